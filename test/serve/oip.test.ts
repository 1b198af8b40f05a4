/**
 * The Open Inference Protocol (KServe V2) on a real server on 127.0.0.1 with real ONNX Runtime
 * workers: health, server and model metadata, readiness, text and tabular infer through the same
 * batching/cache path as :predict, and the protocol's errors for a wrong datatype, shape or model.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../../src/serve/server.js';
import { OIP_INFER_PATH } from '../../src/serve/oip.js';
import { closeFixture, serveFixture, metric, postJson, request, type Fixture } from './helpers.js';

describe('Open Inference Protocol on verde serve', () => {
  let f: Fixture;
  let s: RunningServer;

  before(async () => ({ f, s } = await serveFixture((f) => ({ models: [f.text, f.tabular], port: 0, maxBatchSize: 8, maxQueueDelayMs: 20, maxInstances: 16 }))));
  after(() => closeFixture(s, f));

  it('answers health, server metadata and model readiness', async () => {
    const live = await request(`${s.url}/v2/health/live`);
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { live: true });
    const ready = await request(`${s.url}/v2/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.ready, true);
    const meta = await request(`${s.url}/v2`);
    assert.equal(meta.status, 200);
    assert.equal(meta.body.name, 'verde');
    assert.match(meta.body.version, /^\d+\.\d+\.\d+/);
    assert.ok(Array.isArray(meta.body.extensions));
    const doc = await request(`${s.url}/openapi.json`);
    assert.ok(doc.body.paths['/v2/models/{name}/infer'].post, 'the OpenAPI document lists the OIP routes');
    const mr = await request(`${s.url}/v2/models/text/ready`);
    assert.equal(mr.status, 200);
    assert.equal(mr.body.ready, true);
  });

  it('describes each model: inputs and outputs with datatype and shape', async () => {
    const t = await request(`${s.url}/v2/models/text`);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.name, 'text');
    assert.deepEqual(t.body.versions, [s.models.find((m) => m.name === 'text')!.version]);
    assert.deepEqual(t.body.inputs, [{ name: 'text', datatype: 'BYTES', shape: [-1] }]);
    assert.deepEqual(t.body.outputs.map((o: { name: string; datatype: string; shape: number[] }) => [o.name, o.datatype, o.shape]), [['label', 'BYTES', [-1]], ['probabilities', 'FP32', [-1, 2]]]);
    const g = await request(`${s.url}/v2/models/fraud`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.body.inputs[0].name, 'features');
    assert.equal(g.body.inputs[0].datatype, 'FP32');
    assert.deepEqual(g.body.inputs[0].shape, [-1, 3]);
    assert.deepEqual(g.body.inputs[0].parameters.features.map((x: { name: string }) => x.name), ['amount', 'hour', 'channel']);
    assert.deepEqual(g.body.outputs[1].parameters.labels, ['legit', 'fraud']);
  });

  it('infers text (BYTES), echoes the id and puts energy in the headers', async () => {
    const r = await postJson(`${s.url}/v2/models/text/infer`, {
      id: 'req-42',
      parameters: { note: 'anything' },
      inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['Free cash prize, click now', 'thanks for the report, see you at lunch'] }],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.model_name, 'text');
    assert.equal(r.body.id, 'req-42');
    const [label, probs] = r.body.outputs;
    assert.deepEqual(label, { name: 'label', datatype: 'BYTES', shape: [2], data: ['spam', 'ham'] });
    assert.equal(probs.name, 'probabilities');
    assert.equal(probs.datatype, 'FP32');
    assert.deepEqual(probs.shape, [2, 2]);
    assert.equal(probs.data.length, 4);
    assert.ok(Math.abs(probs.data[0] + probs.data[1] - 1) < 1e-5);
    assert.ok(Number(r.headers.get('x-energy-joules')) > 0, 'inference energy charged');
    assert.match(r.headers.get('x-energy-method') ?? '', /^(measured|modelled):/);
    // The same path as :predict: the answer matches, and a repeat comes from the cache at zero energy.
    const v1 = await postJson(`${s.url}/v1/models/text:predict`, { instances: ['Free cash prize, click now'] });
    assert.deepEqual(v1.body.predictions[0].probabilities.map((p: number) => Math.fround(p)), probs.data.slice(0, 2));
    assert.equal(v1.body.predictions[0].cached, true, 'the OIP answer filled the shared cache');
    assert.equal(Number(v1.headers.get('x-energy-joules')), 0);
  });

  it('infers tabular FP32 [batch, nFeatures] rows, nested or flat, and only the outputs asked for', async () => {
    const nested = await postJson(`${s.url}/v2/models/fraud/infer`, {
      inputs: [{ name: 'features', shape: [2, 3], datatype: 'FP32', data: [[900, 3, 0], [5, 12, null]] }],
      outputs: [{ name: 'label' }],
    });
    assert.equal(nested.status, 200, nested.text);
    assert.deepEqual(nested.body.outputs, [{ name: 'label', datatype: 'BYTES', shape: [2], data: ['fraud', 'legit'] }]);
    assert.equal(nested.body.id, undefined);
    const flat = await postJson(`${s.url}/v2/models/fraud/infer`, { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [900, 3, 0] }] });
    assert.equal(flat.status, 200, flat.text);
    assert.equal(flat.body.outputs[0].data[0], 'fraud');
    // channel index 0 is "web": the same row through /v1 gives the same probabilities.
    const v1 = await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 900, hour: 3, channel: 'web' }] });
    assert.deepEqual(flat.body.outputs[1].data, v1.body.predictions[0].probabilities.map((p: number) => Math.fround(p)));
    const m = (await request(`${s.url}/metrics`)).text;
    assert.equal(metric(m, 'verde_requests_total{model="fraud",route="infer",code="200"}'), 2);
  });

  it('answers wrong datatype, shape, data and unknown model with the protocol error body', async () => {
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['text', { inputs: [{ name: 'text', shape: [1], datatype: 'FP32', data: [1] }] }, 400, /datatype must be BYTES/],
      ['fraud', { inputs: [{ name: 'features', shape: [1, 3], datatype: 'INT64', data: [1, 2, 0] }] }, 400, /datatype must be FP32/],
      ['fraud', { inputs: [{ name: 'features', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }, 400, /shape must be \[batch, 3\]/],
      ['fraud', { inputs: [{ name: 'features', shape: [2, 3], datatype: 'FP32', data: [1, 2, 0] }] }, 400, /holds 6 elements but data has 3/],
      ['fraud', { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [1, 2, 7] }] }, 400, /"channel".*index of its category/],
      ['fraud', { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [1e39, 2, 0] }] }, 400, /FP32's range/],
      ['fraud', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 0] }] }, 400, /model's input is "features"/],
      ['text', { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['   '] }] }, 400, /row 0/],
      ['text', { inputs: [{ name: 'text', shape: [17], datatype: 'BYTES', data: Array(17).fill('a') }] }, 413, /limit of 16/],
      ['text', { inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['a'] }], outputs: [{ name: 'logits' }] }, 400, /unknown output "logits"/],
      ['nope', { inputs: [] }, 404, /no model named "nope"/],
    ];
    for (const [model, body, status, message] of cases) {
      const r = await postJson(`${s.url}/v2/models/${model}/infer`, body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.deepEqual(Object.keys(r.body), ['error'], r.text);
      assert.equal(typeof r.body.error, 'string');
      assert.match(r.body.error, message);
    }
    const bad = await postJson(`${s.url}/v2/models/text/infer`, '{"inputs": [');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /not valid JSON/);
    const meta = await request(`${s.url}/v2/models/nope`);
    assert.equal(meta.status, 404);
    assert.match(meta.body.error, /no model named/);
    const wrongVersion = await request(`${s.url}/v2/models/text/versions/0/ready`);
    assert.equal(wrongVersion.status, 404);
    assert.match(wrongVersion.body.error, /no version "0"/);
  });
});

describe('Open Inference Protocol with --token', () => {
  let f: Fixture;
  let s: RunningServer;
  before(async () => ({ f, s } = await serveFixture((f) => ({ models: [f.tabular], port: 0, token: 's3cret' }))));
  after(() => closeFixture(s, f));

  it('answers the health routes without the token, everything else 401 in the protocol shape', async () => {
    assert.equal((await request(`${s.url}/v2/health/live`)).status, 200);
    assert.equal((await request(`${s.url}/v2/health/ready`)).status, 200);
    const meta = await request(`${s.url}/v2/models/fraud`);
    assert.equal(meta.status, 401);
    assert.deepEqual(Object.keys(meta.body), ['error']);
    assert.match(meta.body.error, /bearer token/);
    const body = { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [1, 2, 0] }] };
    assert.equal((await postJson(`${s.url}/v2/models/fraud/infer`, body)).status, 401);
    const ok = await postJson(`${s.url}/v2/models/fraud/infer`, body, { authorization: 'Bearer s3cret' });
    assert.equal(ok.status, 200, ok.text);
  });

  it('sheds infer requests on the same early path as :predict (the path it recognises)', () => {
    assert.equal(OIP_INFER_PATH.exec('/v2/models/fraud/infer')?.[1], 'fraud');
    assert.equal(OIP_INFER_PATH.exec('/v2/models/fraud/versions/abc/infer?x=1')?.[1], 'fraud');
    assert.equal(OIP_INFER_PATH.exec('/v2/models/fraud/ready'), null);
  });
});

describe('Open Inference Protocol under overload', () => {
  let f: Fixture;
  let s: RunningServer;
  before(async () => ({ f, s } = await serveFixture((f) => ({ models: [f.tabular], port: 0, maxBatchSize: 64, maxQueueDelayMs: 2_000, maxQueue: 1, timeoutMs: 10_000, cache: 'off' }))));
  after(() => closeFixture(s, f));

  it('answers 429 with Retry-After and the protocol error body when the queue is full', async () => {
    const body = { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [1, 2, 0] }] };
    const url = `${s.url}/v2/models/fraud/infer`;
    const admitted = postJson(url, body);
    for (let t = 0; t < 100 && s.models[0]!.queueDepth < 1; t++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.models[0]!.queueDepth, 1, 'the queue is full');
    const refused = await postJson(url, body);
    assert.equal(refused.status, 429, refused.text);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.deepEqual(Object.keys(refused.body), ['error']);
    assert.match(refused.body.error, /queue full/);
    assert.equal((await admitted).status, 200);
    const m = (await request(`${s.url}/metrics`)).text;
    assert.equal(metric(m, 'verde_requests_total{model="fraud",route="infer",code="429"}'), 1);
    assert.equal(metric(m, 'verde_rejected_total{model="fraud",reason="queue_full"}'), 1);
  });
});
