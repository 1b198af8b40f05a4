/**
 * The inference worker: real ONNX Runtime in a worker_thread, restarted when it dies after serving.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModelWorker } from '../../src/serve/model-worker.js';
import { readManifest } from '../../src/registry/manifest.js';
import { suiteFixture } from './helpers.js';

describe('ModelWorker', () => {
  const fx = suiteFixture();

  it('gives the same answers stage by stage (threshold above 1) as the whole model', async () => {
    const m = await readManifest(fx.f.textExit);
    const whole = new ModelWorker(fx.f.textExit, m, 1, null);
    const staged = new ModelWorker(fx.f.textExit, m, 1, 1.01);
    try {
      await Promise.all([whole.ready, staged.ready]);
      assert.equal(whole.stages, 0);
      assert.equal(staged.stages, 3);
      const rows = { kind: 'text' as const, texts: ['free cash now', 'meeting tomorrow', 'the a you', 'win win win the prize'] };
      const a = await whole.run(rows);
      const b = await staged.run(rows);
      assert.deepEqual(b.exits, [2, 2, 2, 2], 'nothing reaches a threshold above 1: every row runs to the last stage');
      a.probabilities.forEach((p, i) => p.forEach((v, j) => assert.ok(Math.abs(v - b.probabilities[i]![j]!) < 1e-5)));
      assert.ok(a.paddedLength >= 6, 'padded to the longest row');
    } finally {
      await whole.close();
      await staged.close();
    }
  });

  it('restarts a worker that dies after it was ready', { timeout: 60_000 }, async () => {
    const m = await readManifest(fx.f.tabular);
    const w = new ModelWorker(fx.f.tabular, m, 1, null);
    try {
      await w.ready;
      const rows = { kind: 'tabular' as const, features: [Float32Array.from([900, 1, 0])] };
      assert.equal((await w.run(rows)).probabilities.length, 1);
      // Kill the thread from outside, as a native crash would.
      await (w as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      let answered = false;
      for (let i = 0; i < 300 && !answered; i++) {
        await new Promise((r) => setTimeout(r, 100));
        answered = await w.run(rows).then(() => true, () => false);
      }
      assert.ok(answered, 'the restarted worker answers again');
    } finally {
      await w.close();
    }
  });
});
