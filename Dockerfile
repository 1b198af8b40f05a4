# verde serve in a container: multi-stage, Node 20 slim, runs as the unprivileged `node` user.
#   docker build -t verde:0.1.0 .
#   docker run --rm -p 8080:8080 -p 8081:8081 -v "$PWD/models/fraud:/models/model:ro" verde:0.1.0
# The image serves /models/model by default; pass your own `verde serve` flags as the command.
# docs/deploy.md has the Kubernetes side (deploy/k8s/).

# --- build: install every dependency, compile TypeScript, then drop the dev dependencies ---
FROM node:20-slim AS build
WORKDIR /app
# onnxruntime-node's install step downloads the CUDA/TensorRT providers; the CPU provider ships in
# the package, which is all this image uses (build a GPU image on a CUDA base without this).
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# `npm ci` runs the package's prepare script, which compiles src/ into dist/.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# --- runtime: the compiled CLI and production node_modules only ---
FROM node:20-slim
ENV NODE_ENV=production \
    VERDE_QUIET=1
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist/src ./dist/src
# verde serve records its session in the run store (./verde-out/runs.db by default, $VERDE_STORE):
# a directory the unprivileged user may write (mount a volume there to keep it).
RUN mkdir -p /app/verde-out && chown node:node /app/verde-out
# Never root: the official image's `node` user (uid 1000).
USER node
# 8080: the API (verde serve's default port); 8081: /healthz and /readyz on their own thread.
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/dist/src/cli/main.js", "serve"]
CMD ["--host", "0.0.0.0", "--port", "8080", "--health-port", "8081", "--model", "/models/model"]
