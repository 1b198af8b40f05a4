import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { trainGbdt, predictProba, toRowMajor, gbdtToOnnx, writeGbdtModelDir, quantiseGbdt } from '../../src/models/gbdt/index.js';
import { readManifest } from '../../src/registry/manifest.js';
import { makeDataset } from './helpers.js';

async function ortScores(bytes: Uint8Array, x: Float32Array, nF: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ features: new ort.Tensor('float32', x, [x.length / nF, nF]) });
  return out.probabilities!.data as Float32Array;
}

// Numeric, missing and categorical features, so every node kind and the NaN tracks are exercised.
function mixedDataset(n: number, seed: number) {
  const ds = makeDataset(n, 3, seed, (x, rng) => {
    const a = Number.isNaN(x[1]!) ? 1 : x[1]!;
    return rng.chance(1 / (1 + Math.exp(-3 * (x[0]! + a + (x[2] === 2 ? 1.5 : 0) - 0.5)))) ? 1 : 0;
  }, (f, rng) => (f === 2 ? rng.int(5) : f === 1 && rng.chance(0.2) ? NaN : rng.normal()));
  ds.features[2] = { name: 'kind', type: 'categorical', categories: ['a', 'b', 'c', 'd', 'e'] };
  return ds;
}

test('ONNX TreeEnsembleClassifier scores equal the TS model (real ORT session)', async () => {
  const ds = mixedDataset(5000, 21);
  const m = await trainGbdt(ds, { nTrees: 40, earlyStoppingRounds: 0 });
  assert.ok(m.trees.some((t) => t.kind.includes(1)) && m.trees.some((t) => t.defaultLeft.includes(1)));
  const x = toRowMajor(ds.columns);
  const p = predictProba(m, x);
  const q = await ortScores(gbdtToOnnx(m), x, 3);
  let maxDiff = 0;
  for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(q[2 * i + 1]! - p[i]!), Math.abs(q[2 * i]! - (1 - p[i]!)));
  assert.ok(maxDiff < 1e-5, `max |ORT - TS| = ${maxDiff}`);
  // Fewer trees in the export = the TS model's first trees.
  const p10 = predictProba(m, x, 10);
  const q10 = await ortScores(gbdtToOnnx(m, { nTrees: 10 }), x, 3);
  for (let i = 0; i < 200; i++) assert.ok(Math.abs(q10[2 * i + 1]! - p10[i]!) < 1e-5);
  // Quantised model exports and matches its own TS scores too.
  const qm = quantiseGbdt(m).model;
  const pq = predictProba(qm, x);
  const oq = await ortScores(gbdtToOnnx(qm), x, 3);
  for (let i = 0; i < 200; i++) assert.ok(Math.abs(oq[2 * i + 1]! - pq[i]!) < 1e-5);
});

test('model directory: model.onnx + verde.json that readManifest accepts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-gbdt-'));
  try {
    const ds = mixedDataset(1000, 22);
    const m = await trainGbdt(ds, { nTrees: 5, earlyStoppingRounds: 0 });
    const out = join(dir, 'models', 'gbdt');
    const r = await writeGbdtModelDir(out, m, { name: 'fraud-gbdt', lineage: { technique: 'baseline' } });
    const manifest = await readManifest(out);
    assert.equal(manifest.task, 'tabular-classification');
    assert.equal(manifest.io.outputKind, 'probabilities');
    assert.deepEqual(manifest.tabular!.features[2], { name: 'kind', type: 'categorical', categories: ['a', 'b', 'c', 'd', 'e'] });
    const bytes = await readFile(join(out, 'model.onnx'));
    assert.equal(bytes.length, r.onnxBytes);
    const x = toRowMajor(ds.columns);
    const q = await ortScores(bytes, x, 3);
    const p = predictProba(m, x);
    assert.ok(Math.abs(q[1]! - p[0]!) < 1e-5);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
