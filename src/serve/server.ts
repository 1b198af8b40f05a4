/**
 * The HTTP server of `verde serve` (Fastify): routes, bearer-token check, JSON errors that name
 * the field, energy headers, and a graceful close (stop accepting, finish every queued batch).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { UserError } from '../util/errors.js';
import { LruCache, RedisCache, redactUrl, type PredictionCache } from './cache.js';
import { addEnergy, EnergyAccountant, NO_ENERGY, type Energy } from './energy.js';
import { FeedbackStore } from './feedback.js';
import { HealthListener, type Readiness } from './health-listener.js';
import { answerClientError, fromFastifyError, RouteTable } from './http-errors.js';
import { loadServedModels } from './load-models.js';
import { ServeLifecycle } from './lifecycle.js';
import { OIP_INFER_PATH, OIP_PREFIX, oipErrorBody, registerOip } from './oip.js';
import { openApiDocument } from './openapi.js';
import { DEFAULT_SERVE_OPTIONS, checkServeToken, type ServeOptions } from './options.js';
import { clip, RequestError } from './request-error.js';
import type { ServedModel } from './served-model.js';
import type { Slot } from './model-source.js';
import { ServeMetrics, type QueueSource } from './serve-metrics.js';

export interface RunningServer {
  app: FastifyInstance;
  /** http://host:port */
  url: string;
  port: number;
  /** The models served now (one per name; hot swaps change it). */
  readonly models: ServedModel[];
  /** Hot swap and usage statistics (lifecycle.ts). */
  lifecycle: ServeLifecycle;
  metrics: ServeMetrics;
  /** With --health-port: http://host:port of the probes' own listener (/healthz, /readyz). */
  healthUrl?: string;
  /** Stop accepting, answer everything queued, then release workers, cache and meter. Idempotent. */
  close(): Promise<void>;
}

/** Probes need no token: verde's own and the Open Inference Protocol's health routes. */
const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready']);
/** Fastify's own default keep-alive timeout. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
const PREDICT_PATH = /^\/v1\/models\/([^/?]+):predict(?:\?|$)/;
/**
 * A full queue refuses requests before Fastify (see shedIfFull) unless the model's cache has lately
 * answered at least this share of instances; then refusing early would turn away answers that cost
 * nothing, so requests go on to the cache lookup first.
 */
const EARLY_SHED_BELOW_HIT_RATIO = 0.05;

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** An error in verde's shape, or in the Open Inference Protocol's (`{"error": "..."}`) under /v2. */
function isOipUrl(url: string | undefined): boolean {
  return url === OIP_PREFIX || (url ?? '').startsWith(`${OIP_PREFIX}/`) || (url ?? '').startsWith(`${OIP_PREFIX}?`);
}

function sendError(reply: FastifyReply, err: RequestError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type('application/json').send(isOipUrl(reply.request?.url) ? oipErrorBody(err) : err.body());
}

export async function createServer(partial: Partial<ServeOptions> & { models: string[] }): Promise<RunningServer> {
  const opts: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...partial };
  checkServeToken(opts.token);
  const metrics: ServeMetrics = new ServeMetrics((): QueueSource[] => lifecycle.source.models().map((m: ServedModel) => ({ name: m.name, depth: () => m.queueDepth })));
  let cache: PredictionCache | null = null;
  if (opts.cache === 'lru') cache = new LruCache(opts.cacheSize);
  else if (opts.cache.startsWith('redis://') || opts.cache.startsWith('rediss://')) {
    const where = `--cache ${redactUrl(opts.cache)}`;
    metrics.cacheUp.set({}, 1);
    metrics.cacheOutages.inc({}, 0);
    cache = await RedisCache.connect(opts.cache, {
      onLost: (reason) => {
        metrics.cacheUp.set({}, 0);
        metrics.cacheOutages.inc();
        process.stderr.write(`verde serve: ${where}: connection lost (${clip(reason, 200)}); answering without the cache until it is back\n`);
      },
      onRecovered: (s) => {
        metrics.cacheUp.set({}, 1);
        process.stderr.write(`verde serve: ${where}: connection back after ${s.toFixed(1)} s\n`);
      },
    });
  }
  const energy = new EnergyAccountant(opts.meter);
  try {
    await energy.start();
  } catch (err) {
    await cache?.close();
    throw err;
  }
  const deps = {
    metrics,
    energy,
    cache,
    batching: { maxBatchSize: opts.maxBatchSize, maxQueueDelayMs: opts.maxQueueDelayMs, maxQueue: opts.maxQueue },
    limits: { maxInstances: opts.maxInstances, longText: opts.longText },
    timeoutMs: opts.timeoutMs,
  };
  const lifecycle: ServeLifecycle = new ServeLifecycle(opts, metrics, deps);
  try {
    const loaded = await loadServedModels(opts, deps);
    lifecycle.addStatic(loaded, [...opts.models.map((d) => resolve(d)), ...opts.cascades.map((c) => resolve(c.large))]);
    await lifecycle.start();
  } catch (err) {
    await lifecycle.stopWatching();
    await lifecycle.source.closeAll();
    await cache?.close();
    await energy.stop();
    throw err;
  }
  const source = lifecycle.source;
  const models = (): ServedModel[] => source.models();
  const feedback = new FeedbackStore(metrics, opts.feedbackLimitBytes);
  let closing = false;

  /**
   * Shed load before Fastify sees the request: when a model's queue is already full, a predict
   * request gets its 429 straight from Node's http layer, without routing, hooks, a JSON parse of
   * the body or Fastify's reply machinery. Under 10x overload the refusals outnumber the admitted
   * requests ten to one, and their cost on the one event loop delays the answers of the admitted
   * ones. Interleaved A/B on the offline default model (2 shared vCPUs, wrk paced at 13,000 req/s
   * over 256 connections, --max-queue 32): admitted p99 200-237 ms here against 245-316 ms with the
   * same check in a Fastify onRequest hook. Requests without the right token, everything while
   * closing, and requests to a model whose cache is answering (EARLY_SHED_BELOW_HIT_RATIO) go on to
   * Fastify, which answers 401 / 503, or the cache, as before.
   */
  const shedIfFull = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || closing) return false;
    const m = PREDICT_PATH.exec(req.url ?? '') ?? OIP_INFER_PATH.exec(req.url ?? '');
    let model: ServedModel | undefined;
    try {
      model = m ? source.get(decodeURIComponent(m[1]!))?.model : undefined;
    } catch {
      return false; // a malformed %-escape: Fastify answers it (a throw here would take the process down)
    }
    // While the cache answers a fair share of requests, a request may need no queue space at all: it
    // goes on to the cache lookup, and predict() refuses the misses that do not fit with the same 429.
    if (!model || model.queueDepth < opts.maxQueue || model.recentCacheHitRatio >= EARLY_SHED_BELOW_HIT_RATIO) return false;
    if (opts.token && !tokenMatches(req.headers.authorization, opts.token)) return false;
    const err = model.queueFullError();
    const oip = isOipUrl(req.url);
    metrics.requests.inc({ model: model.name, route: oip ? 'infer' : 'predict', code: '429' });
    const body = JSON.stringify(oip ? oipErrorBody(err) : err.body());
    res.writeHead(err.status, { ...err.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };

  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit,
    forceCloseConnections: 'idle',
    // While closing, the onRequest hook answers 503 in verde's error shape instead.
    return503OnClosing: false,
    frameworkErrors: (err, _req, reply) => sendError(reply, fromFastifyError(err)),
    clientErrorHandler: answerClientError,
    serverFactory: (handler) => {
      const server = createHttpServer((req, res) => {
        if (!shedIfFull(req, res)) handler(req, res);
      });
      // Fastify sets its timeouts only on servers it creates itself: keep its keep-alive default
      // (72 s, longer than the 60 s idle timeout of common proxies and load balancers, which would
      // otherwise reuse a socket this server has just closed and answer 502).
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
  });

  // JSON only: a text/plain body gets 415 instead of being taken for a string.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (req, reply) => {
    if (closing) return sendError(reply, new RequestError(503, null, 'the server is shutting down'));
    if (!opts.token || PUBLIC_ROUTES.has(req.url.split('?')[0]!)) return;
    if (!tokenMatches(req.headers.authorization, opts.token)) {
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, new RequestError(401, 'authorization', 'missing or wrong bearer token (the server runs with --token)'));
    }
  });

  // While draining, every answer closes its connection, so keep-alive clients do not hold the
  // server open until their idle timeout.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  app.setErrorHandler((err, _req, reply) => {
    const e = err instanceof RequestError ? err : fromFastifyError(err as Error & { statusCode?: number; code?: string });
    if (e.status >= 500 && !(err instanceof RequestError)) process.stderr.write(`verde serve: ${(err as Error).stack ?? String(err)}\n`);
    return sendError(reply, e);
  });
  const routes = new RouteTable();
  app.setNotFoundHandler((req, reply) => sendError(reply, routes.notFound(req.method, req.url)));
  const get = (path: string, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void => {
    routes.add(path, ['GET', 'HEAD']);
    app.get(path, handler);
  };

  get('/healthz', async () => ({ status: 'ok' }));
  // Not ready while shutting down, or while a model has no live inference worker (it answers 503
  // until one restarts): a load balancer then sends its traffic to another replica.
  const readiness = (): Readiness => {
    if (closing) return { status: 503, body: { status: 'shutting down' } };
    const down = models().filter((m) => !m.canServe).map((m) => m.name);
    if (down.length > 0) return { status: 503, body: { status: 'unavailable', unavailable: down, message: `no live inference worker for: ${down.join(', ')} (restarting)` } };
    return { status: 200, body: { status: 'ready', models: models().length } };
  };
  get('/readyz', async (_req, reply) => {
    const r = readiness();
    return reply.code(r.status).send(r.body);
  });
  get('/metrics', async (_req, reply) => {
    await energy.processEnergy();
    for (const c of energy.components()) metrics.processEnergy.set({ component: c.component, method: c.method }, c.energyJ);
    for (const part of energy.parts()) metrics.processEnergyParts.set({ part: part.part, component: part.component, method: part.method }, part.energyJ);
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
  });
  get('/openapi.json', async () => openApiDocument(models().map((m) => ({ name: m.name, task: m.manifest.task }))));
  get('/v1/models', async () => ({ models: source.slotsNow().map((s) => ({ name: s.model.name, version: s.model.version, servedVersion: s.version, ...s.model.info })) }));

  // Paths are /v1/models/{name}:{action}; the colon is part of the last segment, so split it here.
  routes.add(/^\/v1\/models\/[^/]+$/, ['POST']);
  app.post('/v1/models/:target', async (req: FastifyRequest<{ Params: { target: string } }>, reply) => {
    const target = req.params.target;
    const colon = target.lastIndexOf(':');
    const name = colon > 0 ? target.slice(0, colon) : target;
    const action = colon > 0 ? target.slice(colon + 1) : '';
    const slot = source.acquire(name);
    if (!slot) throw new RequestError(404, 'model', `no model named "${clip(name)}" (served: ${clip(source.names().join(', '), 400)})`);
    // The version looked up now answers this request, even if a swap moves the name meanwhile.
    try {
      return await answer(req, reply, slot, name, colon, action);
    } finally {
      source.release(slot);
    }
  });
  const answer = async (req: FastifyRequest, reply: FastifyReply, slot: Slot, name: string, colon: number, action: string): Promise<unknown> => {
    const model = slot.model;
    reply.header('x-verde-model-version', slot.version);
    if (colon <= 0) throw new RequestError(404, 'path', `no action: use /v1/models/${clip(name)}:predict or :feedback`);
    if (action === 'feedback') {
      const res = feedback.apply(name, model.manifest.labels, req.body);
      metrics.requests.inc({ model: name, route: 'feedback', code: '200' });
      return res;
    }
    if (action !== 'predict') throw new RequestError(404, 'path', `unknown action ":${clip(action)}" (use :predict or :feedback)`);
    const t0 = performance.now();
    try {
      const parsed = model.parse(req.body);
      const results = await model.predict(parsed);
      const labels = results.map((r) => r.label);
      slot.usage.record(parsed, labels);
      const total: Energy = results.reduce((a, r) => addEnergy(a, r.energy), NO_ENERGY);
      const id = randomUUID();
      feedback.remember(id, name, labels, results.map((r) => r.energy));
      const seconds = (performance.now() - t0) / 1000;
      metrics.latency.observe({ model: name }, seconds);
      metrics.latencyHist.observe({ model: name }, seconds);
      metrics.requests.inc({ model: name, route: 'predict', code: '200' });
      reply.header('x-request-id', id);
      reply.header('x-energy-joules', total.energyJ.toPrecision(6));
      reply.header('x-co2e-grams', total.co2eGrams.toPrecision(6));
      reply.header('x-energy-method', total.method);
      return {
        id,
        model: name,
        version: model.version,
        predictions: results.map((r) => ({
          label: r.label,
          probabilities: r.probabilities,
          cached: r.cached,
          ...(r.exit !== undefined ? { exit: r.exit } : {}),
          ...(r.answeredBy ? { answeredBy: r.answeredBy } : {}),
        })),
      };
    } catch (err) {
      const code = err instanceof RequestError ? err.status : 500;
      metrics.requests.inc({ model: name, route: 'predict', code: String(code) });
      throw err;
    }
  };

  await registerOip(app, {
    lookup: (name) => source.get(name)?.model,
    names: () => models().map((m) => m.name),
    readiness,
    metrics,
    feedback,
    maxInstances: opts.maxInstances,
  });

  /** Start failed after the models were loaded: give everything back. */
  const release = async (): Promise<void> => {
    await app.close().catch(() => undefined);
    await lifecycle.stopWatching();
    await source.closeAll();
    await cache?.close();
    await energy.stop();
  };
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await release();
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`--host ${opts.host} --port ${opts.port}: cannot listen (${code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message})`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let health: HealthListener | null = null;
  if (opts.healthPort !== undefined) {
    try {
      health = await HealthListener.start(opts.host, opts.healthPort, readiness);
    } catch (err) {
      await release();
      throw err;
    }
  }

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      health?.update();
      await lifecycle.stopWatching();
      // Flush the queues now (no waiting for the batching delay) while Fastify stops accepting and
      // waits for the requests in flight, which those batches answer.
      const drained = source.drainAll();
      const stopped = app.close();
      await drained;
      app.server.closeIdleConnections();
      await stopped;
      await source.closeAll();
      await lifecycle.usage.stop();
      await cache?.close();
      await energy.stop();
      await health?.close();
    })());

  const healthUrl = health ? { healthUrl: `http://${hostForUrl}:${health.port}` } : {};
  return {
    app,
    url: `http://${hostForUrl}:${port}`,
    port,
    get models() {
      return models();
    },
    lifecycle,
    metrics,
    ...healthUrl,
    close,
  };
}
