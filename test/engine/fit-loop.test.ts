import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainingSession, readSafetensors } from '../../src/engine/index.js';
import { Tracker } from '../../src/meter/index.js';
import { fitLoop } from '../../src/engine/fit/loop.js';
import { EarlyStopping } from '../../src/engine/fit/early-stopping.js';
import { linearWarmupDecay } from '../../src/engine/fit/schedules.js';
import { FitCheckpointDir } from '../../src/train/checkpoint.js';
import { accuracy, mlp, toyData } from './helpers.js';

test('fitLoop: epochs with a schedule, evaluation, early stopping (best weights restored), checkpoints and energy spans', async () => {
  process.env.VERDE_QUIET = '1';
  const dir = await mkdtemp(join(tmpdir(), 'verde-fit-'));
  const { g, logits, loss } = mlp(21);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.03 } }, { threads: 1 });
  const tracker = new Tracker({ country: 'ESP', intervalMs: 50 });
  await tracker.start();
  try {
    const train = toyData(256, 1);
    const val = toyData(128, 2);
    const batches = () =>
      [0, 1, 2, 3].map((i) => {
        const x = (train.x.data as Float32Array).subarray(i * 128, i * 128 + 128);
        const y = (train.y.data as BigInt64Array).subarray(i * 64, i * 64 + 64);
        return { x: { dtype: 'float32' as const, dims: [64, 2], data: x }, y: { dtype: 'int64' as const, dims: [64], data: y } };
      });
    const es = new EarlyStopping({ patience: 3, mode: 'max', minDelta: 0.001 });
    const lrs: number[] = [];
    const ckpt = new FitCheckpointDir(dir, 0);
    const res = await fitLoop(s, {
      epochs: 40,
      stepsPerEpoch: 4,
      batches: (_epoch, from) => batches().slice(from),
      schedule: linearWarmupDecay(0.03, 8, 160),
      evaluate: async () => {
        const out = await s.evaluate({ x: val.x }, { logits });
        return { metric: accuracy(out.logits, val.y) };
      },
      earlyStopping: es,
      tracker,
      onStep: (r) => lrs.push(r.lr),
      checkpoint: ckpt,
    });
    // warm-up step k runs at (k + 1) / 8 of the rate
    assert.ok(Math.abs(lrs[0] - 0.03 / 8) < 1e-12);
    assert.ok(Math.abs(lrs[4] - (0.03 * 5) / 8) < 1e-12);
    assert.ok(res.history.length >= 2);
    assert.equal(res.steps, 4 * res.history.length);
    assert.ok(res.history.at(-1)!.trainLoss < res.history[0].trainLoss, 'mean loss falls over epochs');
    // Every epoch ran four steps of CPU work, so its span costs energy; the epochs' training and
    // evaluation spans do not overlap, so together they stay within what the tracker measured overall.
    let spansJ = 0;
    for (const e of res.history) {
      assert.ok(e.energy && e.energy.energyJ > 0 && /modelled|measured/.test(e.energy.method), `epoch ${e.epoch}: ${e.energy?.energyJ} J [${e.energy?.method}]`);
      assert.ok(e.evalEnergy && e.evalEnergy.energyJ > 0, `epoch ${e.epoch}: evaluation ${e.evalEnergy?.energyJ} J`);
      spansJ += e.energy.energyJ + e.evalEnergy.energyJ;
    }
    const wholeJ = tracker.reading().energyJ;
    assert.ok(spansJ <= wholeJ * (1 + 1e-9), `epoch spans ${spansJ} J > tracker ${wholeJ} J`);
    // the session ends on the best weights: evaluating again gives the best metric
    const out = await s.evaluate({ x: val.x }, { logits });
    assert.equal(accuracy(out.logits, val.y), es.best);
    assert.equal(res.best?.epoch, es.bestAt);
    assert.ok(es.best > 0.85, `best validation accuracy ${es.best}`);
    // the last checkpoint says the run finished, at its last step
    const progress = JSON.parse(await readFile(join(dir, 'progress.json'), 'utf8'));
    assert.equal(progress.progress.step, res.steps);
    assert.deepEqual(progress.progress.done, { stoppedEarly: res.stoppedEarly });
    const ck = await readSafetensors(join(dir, progress.state));
    assert.equal(ck.metadata.epoch, String(res.history.length));
  } finally {
    await tracker.stop();
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
});
