import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainGbdt, predictProba, predictMargin, toRowMajor, rocAuc, featureImportance, gbdtFromJson, gbdtToJson, truncateTrees, pruneLowGainSplits, quantiseGbdt } from '../../src/models/gbdt/index.js';
import { makeDataset } from './helpers.js';
import type { TabularDataset } from '../../src/tabular/dataset.js';

const quick = { nTrees: 30, earlyStoppingRounds: 0, minDataInLeaf: 5 };

function accuracy(p: Float64Array, y: Uint8Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if ((p[i]! > 0.5 ? 1 : 0) === y[i]) ok++;
  return ok / y.length;
}

test('separable toy set: every row classified correctly, the deciding feature dominates importance', async () => {
  const ds = makeDataset(2000, 4, 1, (x) => (x[2]! > 0.3 ? 1 : 0));
  const m = await trainGbdt(ds, quick);
  const p = predictProba(m, toRowMajor(ds.columns));
  assert.equal(accuracy(p, ds.labels), 1);
  assert.equal(rocAuc(p, ds.labels), 1);
  assert.equal(featureImportance(m)[0]!.name, 'x2');
  assert.ok(featureImportance(m)[0]!.share > 0.95);
});

test('XOR-like set: interactions learnt (no single feature separates it)', async () => {
  const train = makeDataset(4000, 3, 2, (x) => ((x[0]! > 0) !== (x[1]! > 0) ? 1 : 0));
  const test_ = makeDataset(2000, 3, 3, (x) => ((x[0]! > 0) !== (x[1]! > 0) ? 1 : 0));
  const m = await trainGbdt(train, { ...quick, nTrees: 50 });
  const p = predictProba(m, toRowMajor(test_.columns));
  assert.ok(accuracy(p, test_.labels) > 0.97, `accuracy ${accuracy(p, test_.labels)}`);
});

test('missing values: NaN routed by a learned default direction', async () => {
  // Positive when x0 is missing or large: the model must send NaN to the positive side.
  const ds = makeDataset(3000, 2, 4, (x) => (Number.isNaN(x[0]!) || x[0]! > 0.6 ? 1 : 0), (f, rng) => (f === 0 && rng.chance(0.3) ? NaN : rng.uniform(-1, 1)));
  const m = await trainGbdt(ds, quick);
  const p = predictProba(m, toRowMajor(ds.columns));
  // Every missing row is scored positive (quantile bins may blur the x0 = 0.6 boundary slightly).
  for (let i = 0; i < p.length; i++) if (Number.isNaN(ds.columns[0]![i]!)) assert.ok(p[i]! > 0.5);
  assert.ok(accuracy(p, ds.labels) > 0.99);
  const missingRow = predictProba(m, Float32Array.from([NaN, 0]));
  const smallRow = predictProba(m, Float32Array.from([-0.5, 0]));
  assert.ok(missingRow[0]! > 0.9 && smallRow[0]! < 0.1);
});

test('categorical feature: one-vs-rest splits on the category index', async () => {
  const ds = makeDataset(3000, 2, 5, (x) => (x[0] === 3 || x[0] === 5 ? 1 : 0), (f, rng) => (f === 0 ? rng.int(8) : rng.uniform(-1, 1)));
  ds.features[0] = { name: 'cat', type: 'categorical', categories: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] };
  const m = await trainGbdt(ds, quick);
  assert.ok(m.trees.some((t) => t.kind.includes(1)), 'no categorical split');
  const p = predictProba(m, toRowMajor(ds.columns));
  assert.equal(accuracy(p, ds.labels), 1);
  // Unknown category (index never seen) and missing go to a default side without failing.
  const q = predictProba(m, Float32Array.from([42, 0, NaN, 0]));
  // An unseen category is "not 3 and not 5" at every one-vs-rest split: scored like the negatives.
  assert.ok(q[0]! < 0.1, `unknown category scored ${q[0]}`);
  // Missing follows each split's default side (no missing values in training: any side is right), without failing.
  assert.ok(Number.isFinite(q[1]!), `missing scored ${q[1]}`);
});

test('early stopping keeps the best validation round', async () => {
  const noisy = (x: number[], rng: { chance(p: number): boolean }) => (rng.chance(x[0]! > 0 ? 0.7 : 0.3) ? 1 : 0);
  const train = makeDataset(1500, 6, 6, noisy);
  const valid = makeDataset(1500, 6, 7, noisy);
  const m = await trainGbdt(train, { nTrees: 300, learningRate: 0.3, minDataInLeaf: 2, earlyStoppingRounds: 10 }, { valid });
  assert.ok(m.history.length < 300, `ran ${m.history.length} rounds`);
  const best = m.history.reduce((a, b) => (b.validMetric! < a.validMetric! ? b : a));
  assert.equal(m.bestIteration, best.round);
  assert.equal(m.trees.length, best.round);
  assert.equal(m.history.length, best.round + 10);
});

test('class weighting moves scores up for positives; warm start adds trees on top', async () => {
  const ds = makeDataset(3000, 3, 8, (x, rng) => (rng.chance(x[0]! > 0.5 ? 0.3 : 0.02) ? 1 : 0));
  const plain = await trainGbdt(ds, quick);
  const weighted = await trainGbdt(ds, { ...quick, scalePosWeight: 10 });
  const x = toRowMajor(ds.columns);
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(mean(predictProba(weighted, x)) > mean(predictProba(plain, x)) * 1.5);
  const warm = await trainGbdt(ds, { ...quick, nTrees: 5 }, { initModel: plain });
  assert.equal(warm.trees.length, plain.trees.length + 5);
  assert.deepEqual(warm.trees[0], plain.trees[0]);
});

test('two worker threads give the same trees as one thread', async () => {
  const ds = makeDataset(40000, 5, 9, (x, rng) => (rng.chance(1 / (1 + Math.exp(-4 * (x[0]! + x[1]! * x[2]!)))) ? 1 : 0));
  const one = await trainGbdt(ds, { ...quick, nTrees: 5 });
  const two = await trainGbdt(ds, { ...quick, nTrees: 5, threads: 2 });
  const x = toRowMajor(ds.columns);
  const a = predictMargin(one, x);
  const b = predictMargin(two, x);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
  assert.ok(maxDiff < 1e-6, `max margin difference ${maxDiff}`);
});

test('GOSS sampling trains a comparable model from a fraction of the rows per tree', async () => {
  const train = makeDataset(20000, 4, 13, (x, rng) => (rng.chance(1 / (1 + Math.exp(-(3 * x[0]! + 2 * x[1]! - 3)))) ? 1 : 0));
  const test_ = makeDataset(10000, 4, 14, (x, rng) => (rng.chance(1 / (1 + Math.exp(-(3 * x[0]! + 2 * x[1]! - 3)))) ? 1 : 0));
  const x = toRowMajor(test_.columns);
  const full = await trainGbdt(train, quick);
  const goss = await trainGbdt(train, { ...quick, goss: { topRate: 0.2, otherRate: 0.1 } });
  const a = rocAuc(predictProba(full, x), test_.labels);
  const b = rocAuc(predictProba(goss, x), test_.labels);
  assert.ok(Math.abs(a - b) < 0.01, `AUC ${a} vs GOSS ${b}`);
  // Fewer rows per tree: the root leaf covers only the sampled rows.
  assert.ok(goss.trees[5]!.nodeCount[0]! < 0.4 * 20000, `root rows ${goss.trees[5]!.nodeCount[0]}`);
  await assert.rejects(trainGbdt(train, { ...quick, goss: { topRate: 0.8, otherRate: 0.5 } }), /GOSS rates/);
});

test('JSON round trip, truncation, pruning and 8-bit quantisation', async () => {
  const ds = makeDataset(4000, 4, 10, (x, rng) => (rng.chance(1 / (1 + Math.exp(-3 * (x[0]! + x[1]!)))) ? 1 : 0));
  const m = await trainGbdt(ds, { ...quick, nTrees: 40 });
  const x = toRowMajor(ds.columns);
  const back = gbdtFromJson(gbdtToJson(m));
  assert.deepEqual(predictMargin(back, x), predictMargin(m, x));
  assert.equal(truncateTrees(m, 10).trees.length, 10);
  const none = pruneLowGainSplits(m, 0);
  assert.equal(none.splitsAfter, none.splitsBefore);
  assert.deepEqual(predictMargin(none.model, x), predictMargin(m, x));
  const gains = m.trees.flatMap((t) => t.gain).sort((a, b) => a - b);
  const pruned = pruneLowGainSplits(m, gains[Math.floor(gains.length / 2)]!);
  assert.ok(pruned.splitsAfter < pruned.splitsBefore);
  const auc = rocAuc(predictProba(m, x), ds.labels);
  assert.ok(rocAuc(predictProba(pruned.model, x), ds.labels) > auc - 0.02);
  const q = quantiseGbdt(m);
  assert.ok(q.packedBytes < q.float32Bytes * 0.6, `${q.packedBytes} vs ${q.float32Bytes}`);
  assert.ok(q.maxLeafError <= q.scale / 2 + 1e-9);
  assert.ok(Math.abs(rocAuc(predictProba(q.model, x), ds.labels) - auc) < 0.005);
});

test('bad inputs: one class, length mismatch, bad parameters, corrupt JSON', async () => {
  const ds = makeDataset(100, 2, 11, () => 0);
  await assert.rejects(trainGbdt(ds), /only one class/);
  const bad: TabularDataset = { ...ds, columns: [ds.columns[0]!, ds.columns[1]!.subarray(0, 50)] };
  await assert.rejects(trainGbdt(bad), /has 50 values for 100 labels/);
  const ok = makeDataset(100, 2, 12, (x) => (x[0]! > 0 ? 1 : 0));
  await assert.rejects(trainGbdt(ok, { maxLeaves: 1 }), /maxLeaves/);
  await assert.rejects(trainGbdt(ok, { learningRate: 0 }), /learningRate/);
  await assert.rejects(trainGbdt(ok, { maxBins: 300 }), /maxBins/);
  assert.throws(() => gbdtFromJson('{"format":"nope"}', 'm.json'), /m.json: field "format"/);
  assert.throws(() => gbdtFromJson('{', 'm.json'), /m.json: not valid JSON/);
});
