/**
 * Hot swap through a --watch pointer file, on a real server with real ONNX Runtime workers: a swap
 * under continuous load fails no request and moves the version header; a bad pointer or model
 * directory keeps the old version serving; usage statistics are written with the contract's fields.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { writeTinyTabularModel } from '../../src/bench-serve/tiny-models.js';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import { UserError } from '../../src/util/errors.js';
import { metric, postJson, request } from './helpers.js';
import { fraudInstance, swapUnderLoad, until } from './lifecycle-load.js';

describe('verde serve --watch: hot swap', () => {
  let root: string;
  let pointer: string;
  let usageOut: string;
  let s: RunningServer;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'verde-hot-swap-'));
    await writeTinyTabularModel(join(root, 'v1'), { name: 'fraud' });
    // v2 looks at amount only: its answers differ from v1's near the boundary.
    await writeTinyTabularModel(join(root, 'v2'), { name: 'fraud', scale: 2, amountOnly: true });
    pointer = join(root, 'current.json');
    usageOut = join(root, 'usage.json');
    await writeJsonAtomic(pointer, { dir: 'v1', version: 1, name: 'fraud-live' });
    s = await createServer({ models: [], watch: [pointer], watchIntervalMs: 50, usageOut, usageFlushMs: 0, port: 0, workers: 1, maxQueueDelayMs: 2 });
  });
  after(async () => {
    await s?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the pointer\'s version under the pointer\'s name', async () => {
    const r = await postJson(`${s.url}/v1/models/fraud-live:predict`, fraudInstance(1));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-verde-model-version'), '1');
    const m = await request(`${s.url}/metrics`);
    assert.equal(metric(m.text, 'verde_model_version_info{model="fraud-live",version="1"}'), 1);
  });

  it('swaps under continuous load with zero failed requests', async () => {
    const answers = await swapUnderLoad({ url: `${s.url}/v1/models/fraud-live:predict`, loops: 6, swap: () => writeJsonAtomic(pointer, { dir: 'v2', version: 2, name: 'fraud-live' }) });
    assert.ok(answers.some((a) => a.version === '1') && answers.some((a) => a.version === '2'));
    // Each client sends one request at a time: once it got version 2 it never gets version 1 again.
    for (let loop = 0; loop < 6; loop++) {
      const seq = answers.filter((a) => a.loop === loop).map((a) => a.version);
      const first2 = seq.indexOf('2');
      if (first2 >= 0) assert.ok(!seq.slice(first2).includes('1'), `client ${loop} went back to version 1`);
    }
    const m = await request(`${s.url}/metrics`);
    assert.equal(metric(m.text, 'verde_model_version_info{model="fraud-live",version="2"}'), 1);
    assert.equal(metric(m.text, 'verde_model_version_info{model="fraud-live",version="1"}'), undefined);
    assert.equal(metric(m.text, 'verde_model_swaps_total{model="fraud-live"}'), 2); // first load + the swap
  });

  it('keeps the old version serving when the new one is bad', async () => {
    const failures = async () => metric((await request(`${s.url}/metrics`)).text, 'verde_model_swap_failures_total{model="fraud-live"}') ?? 0;
    await writeJsonAtomic(pointer, { dir: 'missing-dir', version: 3, name: 'fraud-live' });
    await until(async () => (await failures()) === 1, 10_000, 'a swap failure for a missing directory');
    await writeJsonAtomic(join(root, 'broken', 'verde.json'), { not: 'a manifest' });
    await writeJsonAtomic(pointer, { dir: 'broken', version: 4, name: 'fraud-live' });
    await until(async () => (await failures()) === 2, 10_000, 'a swap failure for a broken model directory');
    await writeJsonAtomic(pointer, { dir: 'v2' }); // no version
    await until(async () => (await failures()) === 3, 10_000, 'a swap failure for a bad pointer');
    const r = await postJson(`${s.url}/v1/models/fraud-live:predict`, fraudInstance(7));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-verde-model-version'), '2');
    assert.equal(metric((await request(`${s.url}/metrics`)).text, 'verde_model_swaps_total{model="fraud-live"}'), 2);
  });

  it('writes usage statistics per served version with the contract\'s fields', async () => {
    await s.lifecycle.usage.flush();
    const files = JSON.parse(await readFile(usageOut, 'utf8'));
    const list = Array.isArray(files) ? files : [files];
    const v2 = list.find((u: { version: unknown }) => u.version === 2);
    assert.ok(v2, `no version 2 in ${JSON.stringify(list.map((u: { version: unknown }) => u.version))}`);
    assert.equal(v2.format, 'verde-usage/1');
    assert.equal(v2.name, 'fraud-live');
    assert.equal(v2.task, 'tabular-classification');
    assert.equal(v2.modelDir, join(root, 'v2'));
    assert.ok(v2.requests > 30 && v2.rows === v2.requests, `requests ${v2.requests}, rows ${v2.rows}`);
    const labelled = Object.values(v2.predictedLabels as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(labelled, v2.rows);
    assert.deepEqual(v2.features.names, ['amount', 'hour', 'channel']);
    assert.equal(v2.features.sample.length, Math.min(v2.rows, 1000));
    for (const row of v2.features.sample) {
      assert.equal(row.length, 3);
      assert.ok(row[0] >= 0 && row[0] < 1000 && row[1] >= 0 && row[1] < 24 && [0, 1, 2].includes(row[2]), JSON.stringify(row));
    }
    assert.ok(Date.parse(v2.from) <= Date.parse(v2.to));
    assert.equal(v2.tokenLengths, undefined);
  });

  it('refuses a bad pointer file at start with one line naming it', async () => {
    const bad = join(root, 'bad.json');
    await writeJsonAtomic(bad, { dir: 42, version: 1 });
    await assert.rejects(createServer({ models: [], watch: [bad], port: 0, workers: 1 }), (e: Error) => e instanceof UserError && e.message.includes('bad.json') && e.message.includes('"dir"'));
  });
});

describe('verde serve --watch: the old version\'s queue drains at the swap', () => {
  it('answers requests queued on the old version at once, with the old version', async () => {
    const root = await mkdtemp(join(tmpdir(), 'verde-hot-swap-drain-'));
    let s: RunningServer | undefined;
    try {
      await writeTinyTabularModel(join(root, 'v1'), { name: 'fraud' });
      await writeTinyTabularModel(join(root, 'v2'), { name: 'fraud', scale: 2 });
      const pointer = join(root, 'p.json');
      await writeJsonAtomic(pointer, { dir: 'v1', version: 1 });
      // Batches wait up to 60 s to fill: queued requests are answered only when something flushes the queue.
      s = await createServer({ models: [], watch: [pointer], watchIntervalMs: 50, port: 0, workers: 1, maxBatchSize: 64, maxQueueDelayMs: 60_000, timeoutMs: 120_000, cache: 'off' });
      const url = `${s.url}/v1/models/fraud:predict`;
      const t0 = Date.now();
      const queued = Array.from({ length: 5 }, (_, i) => postJson(url, fraudInstance(i)));
      await until(() => s!.models[0]!.queueDepth === 5, 20_000, 'five queued requests');
      await writeJsonAtomic(pointer, { dir: 'v2', version: 2 });
      const answers = await Promise.all(queued);
      assert.ok(Date.now() - t0 < 45_000, 'the queue was flushed by the swap, not by the batching delay');
      for (const a of answers) {
        assert.equal(a.status, 200, a.text);
        assert.equal(a.headers.get('x-verde-model-version'), '1');
      }
      assert.equal(s.models[0]!.manifest.name, 'fraud');
      assert.equal(s.lifecycle.source.get('fraud')!.version, '2');
    } finally {
      await s?.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
