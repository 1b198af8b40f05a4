/**
 * The real server on a free port with real ONNX Runtime workers: batching, cache, early exit,
 * cascade routing, energy headers, feedback, discovery routes and the bearer token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../../src/serve/server.js';
import { closeFixture, serveFixture, metric, postJson, request, type Fixture } from './helpers.js';

describe('verde serve (in-process, real workers)', () => {
  let f: Fixture;
  let s: RunningServer;

  before(async () => ({ f, s } = await serveFixture((f) => ({
    models: [f.text, f.textExit, f.tabular],
    cascades: [{ small: f.tabularSmall, large: f.tabular, name: 'fraud-cascade' }],
    port: 0,
    maxBatchSize: 8,
    maxQueueDelayMs: 100,
    cascadeThreshold: 0.85,
  }))));
  after(() => closeFixture(s, f));

  it('binds 127.0.0.1 and lists its models with versions', async () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await request(`${s.url}/v1/models`);
    assert.equal(r.status, 200);
    const names = r.body.models.map((m: { name: string }) => m.name);
    assert.deepEqual(names, ['text', 'text-exit', 'fraud', 'fraud-cascade']);
    for (const m of r.body.models) assert.ok(typeof m.version === 'string' && m.version.length > 10, `version of ${m.name}`);
  });

  it('answers health, readiness, OpenAPI and metrics', async () => {
    assert.equal((await request(`${s.url}/healthz`)).status, 200);
    assert.equal((await request(`${s.url}/readyz`)).status, 200);
    const doc = await request(`${s.url}/openapi.json`);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.ok(doc.body.paths['/v1/models/{name}:predict']);
    const m = await request(`${s.url}/metrics`);
    assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(m.text, /# TYPE verde_batch_size histogram/);
  });

  it('classifies text and tabular instances', async () => {
    const t = await postJson(`${s.url}/v1/models/text:predict`, { instances: [{ text: 'Free cash prize, click now' }, { text: 'thanks for the report, see you at lunch' }] });
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(t.body.predictions.map((p: { label: string }) => p.label), ['spam', 'ham']);
    for (const p of t.body.predictions) assert.ok(Math.abs(p.probabilities[0] + p.probabilities[1] - 1) < 1e-5);
    const g = await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 900, hour: 3, channel: 'web' }, { amount: 5, hour: 12, channel: null }] });
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.body.predictions.map((p: { label: string }) => p.label), ['fraud', 'legit']);
  });

  it('batches concurrent requests (batch sizes in /metrics)', async () => {
    const before = await request(`${s.url}/metrics`);
    const count0 = metric(before.text, 'verde_batch_size_count{model="fraud"}') ?? 0;
    const sum0 = metric(before.text, 'verde_batch_size_sum{model="fraud"}') ?? 0;
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 100 + i * 7.5, hour: i, channel: 'pos' }] })),
    );
    for (const r of replies) assert.equal(r.status, 200, r.text);
    const m = (await request(`${s.url}/metrics`)).text;
    const batches = (metric(m, 'verde_batch_size_count{model="fraud"}') ?? 0) - count0;
    const instances = (metric(m, 'verde_batch_size_sum{model="fraud"}') ?? 0) - sum0;
    assert.equal(instances, 16);
    // Two full batches of 8 when all arrive together; a loaded machine may split them further,
    // but 16 one-instance requests in flight at once must share batches.
    assert.ok(batches >= 2 && batches <= 8, `16 concurrent requests ran in ${batches} batches (max batch 8)`);
    const single = (metric(m, 'verde_batch_size_bucket{model="fraud",le="1"}') ?? 0) - (metric(before.text, 'verde_batch_size_bucket{model="fraud",le="1"}') ?? 0);
    assert.ok(single < batches, 'at least one batch held more than one instance');
  });

  it('answers a repeated input from the cache, at zero inference energy', async () => {
    const body = { instances: [{ text: 'urgent: claim your   money' }] };
    const first = await postJson(`${s.url}/v1/models/text:predict`, body);
    // Same text after normalisation (case, spacing): same cache key.
    const second = await postJson(`${s.url}/v1/models/text:predict`, { instances: [{ text: '  URGENT: claim your money ' }] });
    assert.equal(first.body.predictions[0].cached, false);
    assert.equal(second.body.predictions[0].cached, true);
    assert.deepEqual(second.body.predictions[0].probabilities, first.body.predictions[0].probabilities);
    assert.equal(Number(second.headers.get('x-energy-joules')), 0);
    const m = (await request(`${s.url}/metrics`)).text;
    assert.ok((metric(m, 'verde_cache_hits_total{model="text"}') ?? 0) >= 1);
    assert.ok((metric(m, 'verde_cache_hit_ratio{model="text"}') ?? 0) > 0);
  });

  it('puts energy, carbon and method headers on answers and totals in /metrics', async () => {
    const r = await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 321, hour: 1, channel: 'atm' }] });
    const j = Number(r.headers.get('x-energy-joules'));
    const g = Number(r.headers.get('x-co2e-grams'));
    assert.ok(j > 0 && Number.isFinite(j), `X-Energy-Joules ${j}`);
    assert.ok(g > 0 && Number.isFinite(g), `X-CO2e-Grams ${g}`);
    assert.match(r.headers.get('x-energy-method') ?? '', /^(measured|modelled):/);
    const m = (await request(`${s.url}/metrics`)).text;
    assert.match(m, /verde_energy_joules_total\{model="fraud",component="cpu",method="(measured|modelled):[^"]*"\} [0-9.e-]+/);
    assert.match(m, /verde_process_energy_joules_total\{component="cpu",method="[^"]+"\} [0-9.e-]+/);
  });

  it('exits early on easy inputs and counts exits per stage', async () => {
    const r = await postJson(`${s.url}/v1/models/text-exit:predict`, {
      instances: [{ text: 'free cash prize win now' }, { text: 'the meeting is tomorrow' }, { text: 'the a you' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.predictions.map((p: { exit: number }) => p.exit), [0, 1, 2]);
    assert.deepEqual(r.body.predictions.map((p: { label: string }) => p.label).slice(0, 2), ['spam', 'ham']);
    const m = (await request(`${s.url}/metrics`)).text;
    for (const k of [0, 1, 2]) assert.ok((metric(m, `verde_early_exits_total{model="text-exit",exit="${k}"}`) ?? 0) >= 1, `exit ${k} counted`);
  });

  it('routes confident inputs to the small model and the rest to the large one', async () => {
    const r = await postJson(`${s.url}/v1/models/fraud-cascade:predict`, {
      instances: [{ amount: 500, hour: 3, channel: 'web' }, { amount: 200, hour: 12, channel: 'atm' }, { amount: 1, hour: 2, channel: 'web' }],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.predictions.map((p: { answeredBy: string }) => p.answeredBy), ['small', 'large', 'small']);
    const m = (await request(`${s.url}/metrics`)).text;
    assert.equal(metric(m, 'verde_cascade_answers_total{model="fraud-cascade",answered_by="small"}'), 2);
    assert.equal(metric(m, 'verde_cascade_answers_total{model="fraud-cascade",answered_by="large"}'), 1);
    assert.ok(Math.abs((metric(m, 'verde_cascade_small_share{model="fraud-cascade"}') ?? 0) - 2 / 3) < 1e-9);
  });

  it('reports energy per correct prediction once labels come back', async () => {
    const p = await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 800, hour: 1, channel: 'web' }, { amount: 3, hour: 9, channel: 'pos' }] });
    const id = p.headers.get('x-request-id');
    assert.equal(id, p.body.id);
    const fb = await postJson(`${s.url}/v1/models/fraud:feedback`, { id, labels: ['fraud', 'fraud'] });
    assert.equal(fb.status, 200, fb.text);
    assert.equal(fb.body.correct, 1);
    assert.equal(fb.body.total, 2);
    assert.ok(fb.body.totals.energyPerCorrectJ > 0);
    assert.match(fb.body.totals.method, /^(measured|modelled):/);
    const again = await postJson(`${s.url}/v1/models/fraud:feedback`, { id, labels: ['fraud', 'fraud'] });
    assert.equal(again.status, 404, 'feedback is accepted once per prediction');
    const m = (await request(`${s.url}/metrics`)).text;
    assert.ok((metric(m, 'verde_energy_per_correct_prediction_joules{model="fraud"}') ?? 0) > 0);
  });
});

describe('verde serve --token', () => {
  let f: Fixture;
  let s: RunningServer;
  before(async () => ({ f, s } = await serveFixture((f) => ({ models: [f.tabular], port: 0, token: 's3cret' }))));
  after(() => closeFixture(s, f));

  it('requires the bearer token on every route but health', async () => {
    assert.equal((await request(`${s.url}/healthz`)).status, 200);
    assert.equal((await request(`${s.url}/readyz`)).status, 200);
    for (const path of ['/metrics', '/v1/models', '/openapi.json']) {
      const r = await request(`${s.url}${path}`);
      assert.equal(r.status, 401, path);
      assert.equal(r.body.error.field, 'authorization');
    }
    const body = { instances: [{ amount: 1, hour: 1, channel: 'web' }] };
    assert.equal((await postJson(`${s.url}/v1/models/fraud:predict`, body)).status, 401);
    assert.equal((await postJson(`${s.url}/v1/models/fraud:predict`, body, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await postJson(`${s.url}/v1/models/fraud:predict`, body, { authorization: 'Bearer s3cret' })).status, 200);
  });
});
