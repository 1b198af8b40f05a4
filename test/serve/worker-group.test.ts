/**
 * Data parallelism across inference workers: shards are contiguous and balanced, and a batch split
 * across real workers answers exactly as one worker does (whole model, early-exit stages, tracing).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModelWorker } from '../../src/serve/model-worker.js';
import { shardRanges, WorkerGroup, MIN_ROWS_PER_SHARD } from '../../src/serve/worker-group.js';
import { readManifest } from '../../src/registry/manifest.js';
import { suiteFixture } from './helpers.js';

describe('shardRanges', () => {
  it('cuts rows into contiguous shards of at least MIN_ROWS_PER_SHARD, sizes within one', () => {
    assert.deepEqual(shardRanges(1, 4), [[0, 1]]);
    assert.deepEqual(shardRanges(2 * MIN_ROWS_PER_SHARD - 1, 2), [[0, 2 * MIN_ROWS_PER_SHARD - 1]], 'too few rows for two shards');
    assert.deepEqual(shardRanges(16, 2, 8), [[0, 8], [8, 16]]);
    assert.deepEqual(shardRanges(33, 2, 8), [[0, 17], [17, 33]]);
    assert.deepEqual(shardRanges(32, 4, 8), [[0, 8], [8, 16], [16, 24], [24, 32]]);
    for (let n = 1; n <= 70; n++) {
      for (const parts of [1, 2, 3, 5]) {
        const r = shardRanges(n, parts, 4);
        assert.equal(r[0]![0], 0);
        assert.equal(r.at(-1)![1], n);
        r.forEach(([s, e], i) => {
          if (i > 0) assert.equal(s, r[i - 1]![1], 'contiguous');
          assert.ok(e - s >= Math.min(4, n));
        });
        const sizes = r.map(([s, e]) => e - s);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
        assert.ok(r.length <= parts);
      }
    }
  });
});

describe('WorkerGroup', () => {
  const fx = suiteFixture();

  it('answers a batch split across two workers exactly as one worker does, in order', async () => {
    const words = ['free', 'cash', 'now', 'meeting', 'tomorrow', 'the', 'a', 'you', 'win', 'prize'];
    const texts = Array.from({ length: 37 }, (_, i) => Array.from({ length: 1 + (i % 7) }, (_, j) => words[(i * 3 + j) % words.length]).join(' '));
    for (const [dir, threshold] of [[fx.f.text, null], [fx.f.textExit, 0.6]] as const) {
      const m = await readManifest(dir);
      const one = new ModelWorker(dir, m, 1, threshold);
      const group = new WorkerGroup(dir, m, 2, 1, threshold);
      try {
        await Promise.all([one.ready, group.ready]);
        const rows = { kind: 'text' as const, texts };
        const a = await one.run(rows);
        const b = await group.run(rows);
        assert.equal(b.probabilities.length, texts.length);
        a.probabilities.forEach((p, i) => p.forEach((v, j) => assert.ok(Math.abs(v - b.probabilities[i]![j]!) < 1e-5, `${dir} row ${i}`)));
        assert.deepEqual(b.exits, a.exits);
        if (threshold !== null) {
          const ta = await one.traceStages(rows);
          const tb = await group.traceStages(rows);
          assert.equal(tb.length, ta.length);
          ta.forEach((stage, k) => stage.forEach((p, i) => p.forEach((v, j) => assert.ok(Math.abs(v - tb[k]![i]![j]!) < 1e-5))));
        }
        const small = await group.run({ kind: 'text', texts: texts.slice(0, 3) });
        assert.equal(small.probabilities.length, 3, 'a small batch runs on one worker');
      } finally {
        await one.close();
        await group.close();
      }
    }
  });
});
