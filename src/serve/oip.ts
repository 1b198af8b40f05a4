/**
 * The Open Inference Protocol (KServe V2 REST, as KServe, Triton and MLServer speak it) beside
 * verde's own /v1 API: health, server and model metadata, model readiness, and infer. Infer goes
 * through the same ServedModel path as :predict (input checks, cache, dynamic batcher, queue limit
 * and its 429, timeout), and the energy stays in the response headers. Errors are the protocol's
 * `{"error": "message"}`. Tensors: src/serve/oip-tensors.ts.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { VERSION } from '../version.js';
import { addEnergy, NO_ENERGY, type Energy } from './energy.js';
import type { FeedbackStore } from './feedback.js';
import type { Readiness } from './health-listener.js';
import { fromFastifyError } from './http-errors.js';
import { inputMetadata, OipError, outputMetadata, outputTensors, parseInferRequest } from './oip-tensors.js';
import { clip, RequestError } from './request-error.js';
import type { ServedModel } from './served-model.js';
import type { ServeMetrics } from './serve-metrics.js';

export const OIP_PREFIX = '/v2';

/** An OIP infer path: /v2/models/{name}[/versions/{v}]/infer (the server's early shedding reads it). */
export const OIP_INFER_PATH = /^\/v2\/models\/([^/?]+)(?:\/versions\/[^/?]+)?\/infer(?:\?|$)/;

export interface OipDeps {
  /** The model served under a name now (looked up per request: served models may be swapped). */
  lookup(name: string): ServedModel | undefined;
  names(): string[];
  readiness(): Readiness;
  metrics: ServeMetrics;
  feedback: FeedbackStore;
  maxInstances: number;
}

/** The protocol's error body; verde's own errors keep their message (field included). */
export function oipErrorBody(err: RequestError | OipError): { error: string } {
  return { error: err instanceof OipError ? clip(err.message, 1000) : err.body().error.message };
}

function send(reply: FastifyReply, err: RequestError | OipError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type('application/json').send(oipErrorBody(err));
}

/** verde's predict path names fields of `instances`; here the rows are those of the one input. */
function asOip(err: RequestError): RequestError {
  const field = err.field?.replace(/^instances\[(\d+)\]/, 'row $1') ?? null;
  return new RequestError(err.status, field, err.message, err.headers);
}

export async function registerOip(app: FastifyInstance, deps: OipDeps): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setErrorHandler((err, _req, reply) => {
        if (err instanceof OipError) return send(reply, err);
        const e = err instanceof RequestError ? err : fromFastifyError(err as Error & { statusCode?: number; code?: string });
        if (e.status >= 500 && !(err instanceof RequestError)) process.stderr.write(`verde serve: ${(err as Error).stack ?? String(err)}\n`);
        return send(reply, e);
      });
      scope.setNotFoundHandler((req, reply) => send(reply, new OipError(404, `no route ${clip(req.method, 16)} ${clip(req.url.split('?')[0]!)}`)));

      const model = (name: string, version?: string): ServedModel => {
        const m = deps.lookup(name);
        if (!m) throw new OipError(404, `no model named "${clip(name)}" (served: ${clip(deps.names().join(', '), 400)})`);
        if (version !== undefined && version !== m.version) throw new OipError(404, `model "${clip(name)}" has no version "${clip(version)}" (served: ${m.version})`);
        return m;
      };

      scope.get('/health/live', async () => ({ live: true }));
      // The protocol: 200 when ready, a 4xx status otherwise.
      scope.get('/health/ready', async (_req, reply) => reply.code(deps.readiness().status === 200 ? 200 : 400).send({ ready: deps.readiness().status === 200 }));
      scope.get('/', async () => ({ name: 'verde', version: VERSION, extensions: [] }));

      type P = { Params: { name: string; version?: string } };
      const metadata = async (req: { params: { name: string; version?: string } }) => {
        const m = model(req.params.name, req.params.version);
        return { name: m.name, versions: [m.version], platform: 'onnxruntime_onnx', inputs: inputMetadata(m.manifest), outputs: outputMetadata(m.manifest) };
      };
      const ready = async (req: { params: { name: string; version?: string } }, reply: FastifyReply) => {
        const m = model(req.params.name, req.params.version);
        return reply.code(m.canServe ? 200 : 400).send({ name: m.name, ready: m.canServe });
      };
      scope.get<P>('/models/:name', metadata);
      scope.get<P>('/models/:name/versions/:version', metadata);
      scope.get<P>('/models/:name/ready', ready);
      scope.get<P>('/models/:name/versions/:version/ready', ready);

      const infer = async (req: { params: { name: string; version?: string }; body: unknown }, reply: FastifyReply) => {
        const name = req.params.name;
        const m = model(name, req.params.version);
        const t0 = performance.now();
        try {
          const ask = parseInferRequest(req.body, m.manifest, deps.maxInstances);
          let parsed;
          try {
            parsed = m.parse({ instances: ask.instances });
          } catch (err) {
            throw err instanceof RequestError ? asOip(err) : err;
          }
          const results = await m.predict(parsed);
          const total: Energy = results.reduce((a, r) => addEnergy(a, r.energy), NO_ENERGY);
          const requestId = randomUUID();
          deps.feedback.remember(requestId, name, results.map((r) => r.label), results.map((r) => r.energy));
          const seconds = (performance.now() - t0) / 1000;
          deps.metrics.latency.observe({ model: name }, seconds);
          deps.metrics.latencyHist.observe({ model: name }, seconds);
          deps.metrics.requests.inc({ model: name, route: 'infer', code: '200' });
          reply.header('x-request-id', requestId);
          reply.header('x-energy-joules', total.energyJ.toPrecision(6));
          reply.header('x-co2e-grams', total.co2eGrams.toPrecision(6));
          reply.header('x-energy-method', total.method);
          return {
            model_name: m.name,
            model_version: m.version,
            ...(ask.id !== undefined ? { id: ask.id } : {}),
            outputs: outputTensors(results, m.manifest.labels.length, ask.outputs),
          };
        } catch (err) {
          const code = err instanceof RequestError || err instanceof OipError ? err.status : 500;
          deps.metrics.requests.inc({ model: name, route: 'infer', code: String(code) });
          throw err;
        }
      };
      scope.post<P>('/models/:name/infer', infer);
      scope.post<P>('/models/:name/versions/:version/infer', infer);
    },
    { prefix: OIP_PREFIX },
  );
}
