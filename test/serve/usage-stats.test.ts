/**
 * Usage statistics (src/serve/usage.ts): the reservoir sample stays uniform over every row seen and
 * bounded, counts add up; and a `--model` directory served with --registry writes its usage file as
 * version 0 at shutdown (real server, real workers).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageStats } from '../../src/serve/usage.js';
import { createServer } from '../../src/serve/server.js';
import { writeTinyTabularModel } from '../../src/bench-serve/tiny-models.js';
import { postJson } from './helpers.js';
import { fraudInstance } from './lifecycle-load.js';

/** A seeded generator (mulberry32), so the test is the same every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('usage statistics', () => {
  it('keeps a bounded, uniform sample of the rows and counts that add up', () => {
    const u = new UsageStats({ name: 'm', version: 3, modelDir: '/m', task: 'tabular-classification', featureNames: ['x', 'y'] }, 1000, seeded(7));
    const N = 20_000;
    for (let i = 0; i < N; i += 2) {
      const row = (k: number) => ({ input: { kind: 'tabular' as const, features: new Float32Array([k, k % 2 ? NaN : 1]) } });
      u.record([row(i), row(i + 1)], [i % 10 === 0 ? 'b' : 'a', 'a']);
    }
    const s = u.snapshot();
    assert.equal(s.requests, N / 2);
    assert.equal(s.rows, N);
    assert.deepEqual(s.predictedLabels, { a: N - N / 10, b: N / 10 });
    assert.equal(s.features!.sample.length, 1000);
    assert.deepEqual(s.features!.names, ['x', 'y']);
    // Uniform over 0..N-1: the mean is N/2 give or take its standard error (N/sqrt(12*1000) ~ 183).
    const mean = s.features!.sample.reduce((a, r) => a + (r[0] as number), 0) / 1000;
    assert.ok(Math.abs(mean - N / 2) < 5 * 183, `sample mean ${mean}`);
    // Rows from the whole stream, not only the first 1,000; NaN written as null.
    assert.ok(s.features!.sample.some((r) => (r[0] as number) > N / 2));
    assert.ok(s.features!.sample.some((r) => r[1] === null) && s.features!.sample.some((r) => r[1] === 1));
    assert.equal(s.tokenLengths, undefined);
  });

  it('samples token counts of text inputs', () => {
    const u = new UsageStats({ name: 't', version: 1, modelDir: '/t', task: 'text-classification', tokenCount: (t) => t.split(' ').length + 2 }, 50, seeded(1));
    for (let i = 0; i < 200; i++) u.record([{ input: { kind: 'text', text: 'w '.repeat(1 + (i % 5)).trim() } }], ['ham']);
    const s = u.snapshot();
    assert.equal(s.tokenLengths!.length, 50);
    for (const n of s.tokenLengths!) assert.ok(n >= 3 && n <= 7, String(n));
    assert.equal(s.features, undefined);
  });

  it('writes REGISTRY/usage/<name>-v0-<pid>.json for a --model directory at shutdown', async () => {
    const root = await mkdtemp(join(tmpdir(), 'verde-usage-static-'));
    try {
      await writeTinyTabularModel(join(root, 'model'), { name: 'fraud' });
      const s = await createServer({ models: [join(root, 'model')], registry: join(root, 'reg'), usageFlushMs: 0, port: 0, workers: 1 });
      for (let i = 0; i < 3; i++) assert.equal((await postJson(`${s.url}/v1/models/fraud:predict`, fraudInstance(i))).status, 200);
      await s.close();
      const u = JSON.parse(await readFile(join(root, 'reg', 'usage', `fraud-v0-${process.pid}.json`), 'utf8'));
      assert.equal(u.version, 0);
      assert.equal(u.requests, 3);
      assert.equal(u.modelDir, join(root, 'model'));
      assert.equal(u.features.sample.length, 3);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
