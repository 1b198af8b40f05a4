/**
 * Overload and slowness: a full queue answers 429 with Retry-After, a request past --timeout-ms
 * answers 504, and the batcher keeps Triton's semantics (size or delay, whichever first).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher, QueueFullError } from '../../src/serve/batcher.js';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import type { ServeOptions } from '../../src/serve/options.js';
import { fixture, metric, postJson, request, type Fixture } from './helpers.js';

/** A server for the tabular fixture model, started before the suite's tests and closed after. */
function tabularServer(opts: Partial<ServeOptions>): { readonly s: RunningServer } {
  let f: Fixture | undefined;
  let s: RunningServer | undefined;
  before(async () => {
    f = await fixture();
    s = await createServer({ models: [f.tabular], port: 0, ...opts });
  });
  after(async () => {
    await s?.close();
    await f?.cleanup();
  });
  return {
    get s(): RunningServer {
      return s!;
    },
  };
}

describe('Batcher (Triton semantics)', () => {
  it('dispatches at max batch size without waiting for the delay', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({ maxBatchSize: 4, maxQueueDelayMs: 10_000, maxQueue: 100 }, async (xs) => xs.map((x) => x * 2), (n) => sizes.push(n));
    const t0 = performance.now();
    const out = await Promise.all(b.submit([1, 2, 3, 4]).map((q) => q.done));
    assert.deepEqual(out, [2, 4, 6, 8]);
    assert.deepEqual(sizes, [4]);
    assert.ok(performance.now() - t0 < 5_000);
  });

  it('dispatches a partial batch once the oldest waited max-queue-delay', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({ maxBatchSize: 8, maxQueueDelayMs: 30, maxQueue: 100 }, async (xs) => xs, (n) => sizes.push(n));
    const first = b.submit([1]);
    await new Promise((r) => setTimeout(r, 5));
    const second = b.submit([2, 3]);
    await Promise.all([...first, ...second].map((q) => q.done));
    assert.deepEqual(sizes, [3], 'the three instances ran together after the delay');
  });

  it('forms a batch of the oldest instance and the queued ones nearest its size when given sizeOf', async () => {
    const batches: number[][] = [];
    const run = async (xs: number[]) => (batches.push(xs), xs);
    const sized = new Batcher<number, number>({ maxBatchSize: 2, maxQueueDelayMs: 10_000, maxQueue: 100 }, run, () => {}, (x) => x);
    await Promise.all(sized.submit([10, 1, 11, 2, 5, 30, 4]).map((q) => q.done));
    // The oldest always goes (10, then 1, then 5, then 30 alone), with its nearest neighbour in size.
    assert.deepEqual(batches, [[10, 11], [1, 2], [5, 4], [30]]);
    batches.length = 0;
    const fifo = new Batcher<number, number>({ maxBatchSize: 2, maxQueueDelayMs: 10_000, maxQueue: 100 }, run);
    await Promise.all(fifo.submit([10, 1, 11, 2]).map((q) => q.done));
    assert.deepEqual(batches, [[10, 1], [11, 2]], 'without sizeOf the batches stay in arrival order');
  });

  it('bounds how often an instance is passed over: after 4 times the next batch goes in arrival order', async () => {
    const batches: number[][] = [];
    const run = async (xs: number[]) => (batches.push(xs), xs);
    const sized = new Batcher<number, number>({ maxBatchSize: 2, maxQueueDelayMs: 10_000, maxQueue: 100 }, run, () => {}, (x) => x);
    // Each older instance finds a partner of its size behind 100, so 100 is passed over each time.
    await Promise.all(sized.submit([1, 2, 3, 4, 5, 6, 100, 1, 2, 3, 4, 5, 6]).map((q) => q.done));
    assert.deepEqual(batches.slice(0, 4), [[1, 1], [2, 2], [3, 3], [4, 4]]);
    // Passed over four times: the next batches are taken in arrival order, which reaches 100 two
    // batches sooner than size-grouping alone would.
    assert.deepEqual(batches[4], [5, 6]);
    assert.deepEqual(batches[5], [100, 5]);
  });

  it('refuses what does not fit in the queue, all or nothing', () => {
    const b = new Batcher<number, number>({ maxBatchSize: 2, maxQueueDelayMs: 10_000, maxQueue: 3 }, async (xs) => xs);
    b.submit([1]);
    assert.throws(() => b.submit([1, 2, 3]), QueueFullError);
    assert.equal(b.depth, 1);
    void b.drain();
  });
});

describe('verde serve under overload', () => {
    // A long batching delay keeps instances queued, so the queue fills deterministically.
  const srv = tabularServer({ maxBatchSize: 64, maxQueueDelayMs: 2_000, maxQueue: 4, timeoutMs: 10_000, cache: 'off' });

  it('answers 429 with Retry-After when the queue is full, and serves the admitted requests', async () => {
    const inst = (i: number) => ({ amount: i, hour: 1, channel: 'web' });
    const admitted = postJson(`${srv.s.url}/v1/models/fraud:predict`, { instances: [inst(1), inst(2), inst(3), inst(4)] });
    await new Promise((r) => setTimeout(r, 50));
    const refused = await postJson(`${srv.s.url}/v1/models/fraud:predict`, { instances: [inst(5)] });
    assert.equal(refused.status, 429, refused.text);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(refused.body.error.status, 429);
    assert.equal((await admitted).status, 200);
    const m = (await request(`${srv.s.url}/metrics`)).text;
    assert.equal(metric(m, 'verde_rejected_total{model="fraud",reason="queue_full"}'), 1);
  });
});

describe('verde serve under overload with --token', () => {
  const srv = tabularServer({ maxBatchSize: 64, maxQueueDelayMs: 2_000, maxQueue: 1, timeoutMs: 10_000, cache: 'off', token: 't0ken' });

  it('sheds before Fastify only for callers with the token; others still get 401', async () => {
    const auth = { authorization: 'Bearer t0ken' };
    const body = { instances: [{ amount: 1, hour: 1, channel: 'web' }] };
    const admitted = postJson(`${srv.s.url}/v1/models/fraud:predict`, body, auth);
    await new Promise((r) => setTimeout(r, 50));
    const noToken = await postJson(`${srv.s.url}/v1/models/fraud:predict`, body);
    assert.equal(noToken.status, 401, noToken.text);
    const refused = await postJson(`${srv.s.url}/v1/models/fraud:predict`, body, auth);
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.headers.get('content-type') ?? '', /application\/json/);
    assert.match(refused.body.error.message, /queue full/);
    assert.equal((await admitted).status, 200);
    const m = (await request(`${srv.s.url}/metrics`, { headers: auth })).text;
    assert.equal(metric(m, 'verde_requests_total{model="fraud",route="predict",code="429"}'), 1);
  });
});

describe('verde serve --timeout-ms', () => {
  const srv = tabularServer({ maxBatchSize: 64, maxQueueDelayMs: 5_000, timeoutMs: 100, cache: 'off' });

  it('answers 504 when a request is not answered in time', async () => {
    const r = await postJson(`${srv.s.url}/v1/models/fraud:predict`, { instances: [{ amount: 1, hour: 1, channel: 'web' }] });
    assert.equal(r.status, 504, r.text);
    assert.match(r.body.error.message, /timeout-ms/);
  });
});

describe('verde serve under overload with a cache', () => {
  const srv = tabularServer({ maxBatchSize: 64, maxQueueDelayMs: 2_000, maxQueue: 4, timeoutMs: 10_000, cache: 'lru' });

  it('answers cached inputs while the queue is full, once the cache is answering, and refuses the misses', async () => {
    const inst = (i: number) => ({ amount: i, hour: 1, channel: 'web' });
    const url = `${srv.s.url}/v1/models/fraud:predict`;
    // One miss (answered after the batching delay), then hits: the model's recent hit ratio rises.
    assert.equal((await postJson(url, { instances: [inst(9)] })).status, 200);
    for (let i = 0; i < 20; i++) assert.equal((await postJson(url, { instances: [inst(9)] })).body.predictions[0].cached, true);
    assert.ok(srv.s.models[0]!.recentCacheHitRatio > 0.05, `hit ratio ${srv.s.models[0]!.recentCacheHitRatio}`);
    const admitted = postJson(url, { instances: [inst(1), inst(2), inst(3), inst(4)] });
    for (let t = 0; t < 100 && srv.s.models[0]!.queueDepth < 4; t++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(srv.s.models[0]!.queueDepth, 4, 'the queue is full');
    const hit = await postJson(url, { instances: [inst(9)] });
    assert.equal(hit.status, 200, hit.text);
    assert.equal(hit.body.predictions[0].cached, true);
    const miss = await postJson(url, { instances: [inst(5)] });
    assert.equal(miss.status, 429, miss.text);
    assert.ok(Number(miss.headers.get('retry-after')) >= 1);
    assert.equal((await admitted).status, 200);
  });
});
