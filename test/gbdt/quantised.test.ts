import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainGbdt, predictProba, toRowMajor, rocAuc } from '../../src/models/gbdt/index.js';
import { decodeSum, quantScheme } from '../../src/models/gbdt/grad-quant.js';
import { makeDataset } from './helpers.js';
import type { GbdtModel } from '../../src/models/gbdt/types.js';

const quick = { nTrees: 30, earlyStoppingRounds: 0, minDataInLeaf: 5 };
const logistic = (x: number[]) => 1 / (1 + Math.exp(-(3 * x[0]! + 2 * x[1]! * x[2]! - 2)));

function sameTrees(a: GbdtModel, b: GbdtModel): boolean {
  return JSON.stringify(a.trees) === JSON.stringify(b.trees);
}

test('quantised gradients: same quality as exact ones, deterministic for a seed and any thread count', async () => {
  const train = makeDataset(30000, 5, 21, (x, rng) => (rng.chance(logistic(x)) ? 1 : 0));
  const test_ = makeDataset(10000, 5, 22, (x, rng) => (rng.chance(logistic(x)) ? 1 : 0));
  const x = toRowMajor(test_.columns);
  const exact = await trainGbdt(train, { ...quick, quantisedGradients: false });
  const q = await trainGbdt(train, { ...quick, quantisedGradients: true });
  const a = rocAuc(predictProba(exact, x), test_.labels);
  const b = rocAuc(predictProba(q, x), test_.labels);
  assert.ok(Math.abs(a - b) < 0.005, `AUC exact ${a} vs quantised ${b}`);
  // The rounding really happened: the trees differ from the exact ones.
  assert.ok(!sameTrees(exact, q), 'quantised trees equal the exact ones');
  // Same seed: same trees, also on two threads (packed sums are exact integers, noise is per row).
  const again = await trainGbdt(train, { ...quick, quantisedGradients: true, threads: 2 });
  assert.ok(sameTrees(q, again), 'quantised trees differ between runs / thread counts');
  const otherSeed = await trainGbdt(train, { ...quick, quantisedGradients: true, seed: 7 });
  assert.ok(!sameTrees(q, otherSeed), 'the seed does not change the rounding');
  // 'auto' stays exact on a small set.
  const auto = await trainGbdt(train, quick);
  assert.ok(sameTrees(exact, auto), "'auto' quantised 30k rows");
  await assert.rejects(trainGbdt(train, { ...quick, quantisedGradients: 'yes' as never }), /quantisedGradients/);
});

test('quantisation scheme: packed sums decode exactly up to the largest row count it accepts', () => {
  const q = quantScheme(1_000_000, 1)!;
  assert.equal(q.levels, 32);
  // Extremes: every row at the most negative gradient and the largest hessian, and the opposite.
  for (const [gq, hq] of [[-q.levels, q.levels], [q.levels, 0], [-1, 1]] as const) {
    const packed = gq * q.twoK + hq;
    let s = 0;
    for (let i = 0; i < 1_000_000; i++) s += packed;
    const [g, h] = decodeSum(s, q);
    assert.equal(g, gq * 1_000_000 * q.gStep);
    assert.equal(h, hq * 1_000_000 * q.hStep);
  }
  // Class weights widen the gradient range, not the levels.
  assert.equal(quantScheme(1_000_000, 10)!.gStep, 10 / 32);
  // Past the packing's range there is no scheme (training stays exact).
  assert.equal(quantScheme(2 ** 23 - 1, 1)!.levels, 4);
  assert.equal(quantScheme(2 ** 23, 1), null);
});
