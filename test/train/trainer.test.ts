import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainingSession, readSafetensors } from '../../src/engine/index.js';
import { Tracker } from '../../src/meter/index.js';
import { fit } from '../../src/train/trainer.js';
import { EarlyStopping } from '../../src/train/early-stopping.js';
import { linearWarmupDecay } from '../../src/train/schedules.js';
import { accuracy, mlp, toyData } from '../engine/helpers.js';

test('fit: epochs with a schedule, evaluation, early stopping (best weights restored), checkpoints and energy spans', async () => {
  process.env.VERDE_QUIET = '1';
  const dir = await mkdtemp(join(tmpdir(), 'verde-fit-'));
  const { g, logits, loss } = mlp(21);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.03 } }, { threads: 1 });
  const tracker = new Tracker({ country: 'ESP', intervalMs: 50 });
  await tracker.start();
  try {
    const train = toyData(256, 1);
    const val = toyData(128, 2);
    const batches = function* () {
      for (let i = 0; i < 4; i++) {
        const x = (train.x.data as Float32Array).subarray(i * 128, i * 128 + 128);
        const y = (train.y.data as BigInt64Array).subarray(i * 64, i * 64 + 64);
        yield { x: { dtype: 'float32' as const, dims: [64, 2], data: x }, y: { dtype: 'int64' as const, dims: [64], data: y } };
      }
    };
    const es = new EarlyStopping({ patience: 3, mode: 'max', minDelta: 0.001 });
    const lrs: number[] = [];
    const stepEnergy: string[] = [];
    const res = await fit(s, {
      epochs: 40,
      batches,
      stepsPerEpoch: 4,
      schedule: linearWarmupDecay(0.03, 8, 160),
      evaluate: async (sess) => {
        const out = await sess.evaluate({ x: val.x }, { logits });
        return { metric: accuracy(out.logits, val.y) };
      },
      earlyStopping: es,
      tracker,
      onStep: (r) => {
        lrs.push(r.lr);
        if (r.energy) stepEnergy.push(r.energy.method);
      },
      stepSpans: true,
      checkpointPath: join(dir, 'ckpt.safetensors'),
    });
    assert.equal(lrs[0], 0);
    assert.ok(Math.abs(lrs[4] - 0.015) < 1e-12);
    assert.ok(res.epochs.length >= 2);
    assert.equal(stepEnergy.length, lrs.length, 'one energy span per step');
    assert.ok(res.epochs.at(-1)!.meanLoss < res.epochs[0].meanLoss, 'mean loss falls over epochs');
    // Every epoch ran four steps of CPU work, so its span costs energy; the epochs' training and
    // evaluation spans do not overlap, so together they stay within what the tracker measured overall.
    let spansJ = 0;
    for (const e of res.epochs) {
      assert.ok(e.energy && e.energy.energyJ > 0 && /modelled|measured/.test(e.energy.method), `epoch ${e.epoch}: ${e.energy?.energyJ} J [${e.energy?.method}]`);
      assert.ok(e.evalEnergy && e.evalEnergy.energyJ > 0, `epoch ${e.epoch}: evaluation ${e.evalEnergy?.energyJ} J`);
      spansJ += e.energy.energyJ + e.evalEnergy.energyJ;
    }
    const wholeJ = tracker.reading().energyJ;
    assert.ok(spansJ <= wholeJ * (1 + 1e-9), `epoch spans ${spansJ} J > tracker ${wholeJ} J`);
    // the session ends on the best weights: evaluating again gives the best metric
    const out = await s.evaluate({ x: val.x }, { logits });
    assert.equal(accuracy(out.logits, val.y), es.best);
    assert.ok(es.best > 0.85, `best validation accuracy ${es.best}`);
    const ck = await readSafetensors(join(dir, 'ckpt.safetensors'));
    assert.equal(ck.metadata.epoch, String(res.epochs.length));
  } finally {
    await tracker.stop();
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
});
