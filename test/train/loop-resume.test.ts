/**
 * The engine's training loop (src/engine/fit/loop.ts) checkpoints every model that trains through
 * it, not only DistilBERT (test/train/fit-resume.test.ts): the deep MLP (a TrainingSession on ONNX
 * Runtime) and the plain-TypeScript SmallNet, killed mid-run and resumed from the run directory
 * (src/train/checkpoint.ts), end with the same weights, bit for bit, as runs never interrupted. Both
 * also open one meter span per epoch on a real Tracker.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker } from '../../src/meter/index.js';
import { trainDeepMlp } from '../../src/models/mlp/index.js';
import { SmallNet } from '../../src/models/logistic/net.js';
import { FitCheckpointDir } from '../../src/train/checkpoint.js';
import { blobs } from '../fraud/toy-data.js';

let dir: string;
before(async () => {
  process.env.VERDE_QUIET = '1';
  dir = await mkdtemp(join(tmpdir(), 'verde-loop-resume-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

class Interrupt extends Error {}

/** The step the checkpoint in `d` was saved at (what a resume continues from). */
const savedStep = async (d: string) => JSON.parse(await readFile(join(d, 'progress.json'), 'utf8')).progress.step as number;

const weightsOf = (net: SmallNet) => net.tensors().map((t) => Array.from(t.data));

test('SmallNet: a run killed in its second epoch and resumed ends with the uninterrupted weights and loss', async () => {
  const { x, y } = blobs(300, 4, 0.2, 3); // batch 64: 5 steps per epoch; checkpoints every 3 steps
  const opts = { epochs: 4, batchSize: 64, learningRate: 0.02, seed: 5, positiveWeight: 2 };
  const fresh = () => {
    const net = SmallNet.create(4, [6], 1);
    net.fitNormaliser(x);
    return net;
  };
  const plain = fresh();
  const plainLoss = await plain.train(x, y, opts);

  const ckptDir = join(dir, 'small');
  await assert.rejects(
    fresh().train(x, y, { ...opts, checkpoint: new FitCheckpointDir(ckptDir, 3), onEpoch: (e) => { if (e === 1) throw new Interrupt('killed'); } }),
    Interrupt,
  );
  assert.equal(await savedStep(ckptDir), 9, 'killed in epoch 2 (steps 6-10): the last checkpoint is step 9, mid-epoch');
  const resumed = fresh();
  const resumedLoss = await resumed.train(x, y, { ...opts, checkpoint: new FitCheckpointDir(ckptDir, 3) });
  assert.deepEqual(weightsOf(resumed), weightsOf(plain));
  assert.equal(resumedLoss, plainLoss);
});

test('deep MLP: resumed after a kill it keeps the same best epoch and weights; spans per epoch on the tracker', async () => {
  const train = blobs(600, 6, 0.2, 4);
  const valid = blobs(200, 6, 0.2, 5);
  const opts = { hidden: [12, 6], epochs: 4, batchSize: 100, seed: 2, threads: 1, valid };
  const tracker = new Tracker({ country: 'ESP', intervalMs: 50 });
  await tracker.start();
  const plain = await trainDeepMlp(train, { ...opts, tracker, label: 'mlp' });
  const report = await tracker.stop();
  const spans = report.spans.map((s) => s.name);
  for (let e = 1; e <= 4; e++) assert.ok(spans.includes(`mlp:epoch ${e}`) && spans.includes(`mlp:eval ${e}`), `spans: ${spans.join(', ')}`);
  assert.ok(report.spans.every((s) => /modelled|measured/.test(s.method)), 'every span carries its energy method');

  const ckptDir = join(dir, 'mlp');
  await assert.rejects(
    trainDeepMlp(train, { ...opts, checkpoint: new FitCheckpointDir(ckptDir, 5), onEpoch: (e) => { if (e === 3) throw new Interrupt('killed'); } }),
    Interrupt,
  );
  assert.equal(await savedStep(ckptDir), 15, 'killed after epoch 3 (steps 13-18) trained: the last checkpoint is step 15, mid-epoch');
  const resumed = await trainDeepMlp(train, { ...opts, checkpoint: new FitCheckpointDir(ckptDir, 5) });
  assert.equal(resumed.bestEpoch, plain.bestEpoch);
  assert.deepEqual(resumed.history, plain.history);
  assert.deepEqual(weightsOf(resumed.net), weightsOf(plain.net));
});
