/** The OpenAPI 3.1 document served at /openapi.json, listing the models this server holds. */
import { VERSION } from '../version.js';

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { status: { type: 'integer' }, field: { type: ['string', 'null'], description: 'the offending field, e.g. instances[2].text' }, message: { type: 'string' } },
      required: ['status', 'message'],
    },
  },
};

const energyHeaders = {
  'X-Energy-Joules': { description: 'Inference energy charged to this request: the CPU time its rows used in the inference workers (every early-exit stage and cascade model they went through) at the process CPU joules per CPU-second; cache hits cost 0. The rest of the process energy is in /metrics (verde_process_energy_parts_joules_total).', schema: { type: 'number' } },
  'X-CO2e-Grams': { description: 'Carbon of that energy at the configured grid intensity.', schema: { type: 'number' } },
  'X-Energy-Method': { description: 'How the energy was obtained and apportioned, e.g. "modelled:tdp, attributed by CPU time".', schema: { type: 'string' } },
  'X-Request-Id': { description: 'Id to post true labels to :feedback with.', schema: { type: 'string' } },
  'X-Verde-Model-Version': { description: 'The version of the model that answered (the registry alias or pointer file version; the manifest version for a --model directory). Changes on a hot swap.', schema: { type: 'string' } },
};

export function openApiDocument(models: Array<{ name: string; task: string }>): Record<string, unknown> {
  const err = (d: string) => ({ description: d, content: { 'application/json': { schema: errorSchema } } });
  return {
    openapi: '3.1.0',
    info: { title: 'verde serve', version: VERSION, description: 'Green inference: dynamic batching, caching, early exit, cascades and energy per request (PNAV guide §3.4).' },
    paths: {
      '/v1/models': { get: { summary: 'Models served', responses: { 200: { description: '{"models": [{"name", "version", ...}]}' } } } },
      '/v1/models/{name}:predict': {
        post: {
          summary: 'Predict',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', enum: models.map((m) => m.name) } }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['instances'],
                  properties: {
                    instances: {
                      type: 'array',
                      minItems: 1,
                      items: { oneOf: [{ type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1 } } }, { type: 'object', description: 'tabular: one value per feature (null: missing)' }] },
                    },
                  },
                },
              },
            },
          },
          responses: {
            200: {
              description: 'One prediction per instance',
              headers: energyHeaders,
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      model: { type: 'string' },
                      version: { type: 'string' },
                      predictions: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            label: { type: 'string' },
                            probabilities: { type: 'array', items: { type: 'number' } },
                            cached: { type: 'boolean' },
                            exit: { type: 'integer', description: 'early-exit stage that answered' },
                            answeredBy: { type: 'string', enum: ['small', 'large'] },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            400: err('Malformed JSON or a bad field'),
            401: err('Missing or wrong bearer token'),
            404: err('Unknown model'),
            413: err('Body, instance count or text too large'),
            429: err('Queue full; see Retry-After'),
            504: err('Not answered within --timeout-ms'),
          },
        },
      },
      '/v1/models/{name}:feedback': {
        post: {
          summary: 'Post true labels of an earlier prediction (energy per correct prediction)',
          requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['id', 'labels'], properties: { id: { type: 'string' }, labels: { type: 'array', items: { type: 'string' } } } } } } },
          responses: { 200: { description: 'Counts and energy per correct prediction so far' }, 400: err('Bad field'), 404: err('Unknown model or prediction id') },
        },
      },
      '/healthz': { get: { summary: 'Alive', security: [] } },
      '/readyz': { get: { summary: 'Models loaded and not shutting down (503 otherwise)', security: [] } },
      '/metrics': { get: { summary: 'Prometheus metrics' } },
      ...oipPaths(models),
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
  };
}

/** The Open Inference Protocol (KServe V2) routes (src/serve/oip.ts; errors are {"error": "..."}). */
function oipPaths(models: Array<{ name: string }>): Record<string, unknown> {
  const oipErr = (d: string) => ({ description: d, content: { 'application/json': { schema: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } } } } });
  const name = { name: 'name', in: 'path', required: true, schema: { type: 'string', enum: models.map((m) => m.name) } };
  const tensor = { type: 'object', required: ['name', 'shape', 'datatype', 'data'], properties: { name: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } }, datatype: { type: 'string' }, parameters: { type: 'object' }, data: { type: 'array' } } };
  return {
    '/v2/health/live': { get: { summary: 'OIP: alive', security: [] } },
    '/v2/health/ready': { get: { summary: 'OIP: ready (400 when not)', security: [] } },
    '/v2': { get: { summary: 'OIP: server metadata' } },
    '/v2/models/{name}': { get: { summary: 'OIP: model metadata (inputs and outputs with datatype and shape)', parameters: [name], responses: { 200: { description: 'metadata' }, 404: oipErr('Unknown model') } } },
    '/v2/models/{name}/ready': { get: { summary: 'OIP: model ready (400 when not)', parameters: [name] } },
    '/v2/models/{name}/infer': {
      post: {
        summary: 'OIP: infer (text: input "text" BYTES [batch]; tabular: input "features" FP32 [batch, nFeatures])',
        parameters: [name],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['inputs'], properties: { id: { type: 'string' }, parameters: { type: 'object' }, inputs: { type: 'array', items: tensor }, outputs: { type: 'array', items: { type: 'object', properties: { name: { type: 'string', enum: ['label', 'probabilities'] } } } } } } } } },
        responses: {
          200: { description: 'outputs label (BYTES [batch]) and probabilities (FP32 [batch, nClasses])', headers: energyHeaders },
          400: oipErr('Wrong datatype, shape, data or field'),
          401: oipErr('Missing or wrong bearer token'),
          404: oipErr('Unknown model or version'),
          413: oipErr('More rows than --max-instances'),
          429: oipErr('Queue full; see Retry-After'),
          504: oipErr('Not answered within --timeout-ms'),
        },
      },
    },
  };
}
