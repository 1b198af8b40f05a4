/**
 * A cascade hot-swapped through a --watch pointer file (`{"cascade": {"small", "large"}, "version"}`),
 * on a real server with real ONNX Runtime workers: served as one model under the pointer's name,
 * swapped whole (both members) under continuous load with zero failed requests, and a bad cascade
 * pointer (members that answer different questions) keeps the old version serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { writeTinyTabularModel, writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { parseWatchPointer } from '../../src/serve/pointer-watch.js';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import { metric, postJson, request } from './helpers.js';
import { fraudInstance, swapUnderLoad, until } from './lifecycle-load.js';

describe('verde serve --watch: a cascade swapped whole', () => {
  let root: string;
  let pointer: string;
  let s: RunningServer;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'verde-cascade-swap-'));
    await writeTinyTabularModel(join(root, 'small1'), { name: 'small', scale: 0.5, amountOnly: true });
    await writeTinyTabularModel(join(root, 'small2'), { name: 'small', scale: 0.7 });
    await writeTinyTabularModel(join(root, 'large'), { name: 'large', scale: 3 });
    await writeTinyTextModel(join(root, 'text'), { name: 'text' });
    pointer = join(root, 'cascade.json');
    await writeJsonAtomic(pointer, { cascade: { small: 'small1', large: 'large' }, version: 1, name: 'fraud' });
    s = await createServer({ models: [], watch: [pointer], watchIntervalMs: 50, usageFlushMs: 0, port: 0, workers: 1, maxQueueDelayMs: 2 });
  });
  after(async () => {
    await s?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the pointer\'s cascade under its name', async () => {
    const r = await postJson(`${s.url}/v1/models/fraud:predict`, fraudInstance(1));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-verde-model-version'), '1');
    assert.ok(['small', 'large'].includes(r.body.predictions[0].answeredBy), JSON.stringify(r.body));
    const listed = (await request(`${s.url}/v1/models`)).body.models;
    assert.deepEqual(listed.map((m: { name: string; servedVersion: string; cascade: { small: string; large: string } }) => [m.name, m.servedVersion, m.cascade.small, m.cascade.large]), [['fraud', '1', 'small', 'large']]);
  });

  it('swaps the whole cascade under continuous load with zero failed requests', async () => {
    await swapUnderLoad({ url: `${s.url}/v1/models/fraud:predict`, loops: 4, swap: () => writeJsonAtomic(pointer, { cascade: { small: 'small2', large: 'large' }, version: 2, name: 'fraud' }) });
    const m = await request(`${s.url}/metrics`);
    assert.equal(metric(m.text, 'verde_model_version_info{model="fraud",version="2"}'), 1);
    // The swapped-in version is the new cascade: its usage identity names both directories.
    const slot = s.lifecycle.source.get('fraud')!;
    assert.equal(slot.usage.id.modelDir, `small=${join(root, 'small2')},large=${join(root, 'large')}`);
    assert.deepEqual(s.lifecycle.source.everServed().map((x) => x.version), ['1', '2']);
  });

  it('a cascade whose members answer different questions keeps the old version serving', async () => {
    const failuresBefore = metric((await request(`${s.url}/metrics`)).text, 'verde_model_swap_failures_total{model="fraud"}') ?? 0;
    await writeJsonAtomic(pointer, { cascade: { small: 'text', large: 'large' }, version: 3, name: 'fraud' });
    await until(async () => (metric((await request(`${s.url}/metrics`)).text, 'verde_model_swap_failures_total{model="fraud"}') ?? 0) > failuresBefore, 20_000, 'the refused swap to be counted');
    const r = await postJson(`${s.url}/v1/models/fraud:predict`, fraudInstance(7));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-verde-model-version'), '2');
  });

  it('a malformed cascade pointer is one line naming the field', () => {
    assert.throws(() => parseWatchPointer('/p.json', JSON.stringify({ cascade: { small: 'a' }, version: 1 })), /\/p\.json: field "cascade" must be \{"small": "DIR", "large": "DIR"\}/);
    assert.throws(() => parseWatchPointer('/p.json', JSON.stringify({ dir: 'x', cascade: { small: 'a', large: 'b' }, version: 1 })), /give "dir" \(one model\) or "cascade" \(two\), not both/);
    assert.deepEqual(parseWatchPointer('/d/p.json', JSON.stringify({ cascade: { small: 'a', large: 'b' }, version: 1 })), { dir: '/d/a', large: '/d/b', version: 1 });
  });
});
