import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runActiveLearning, type Strategy } from '../../src/data/active-learning/index.js';
import { SmallNetClassifier } from '../../src/models/logistic/index.js';
import { prAuc } from '../../src/metrics/ranking.js';
import { blobs } from './toy-data.js';

// A rare positive class (3 %) that overlaps the negatives: random labelling mostly buys easy negatives.
const pool = blobs(10000, 10, 0.03, 1, 1.2);
const held = blobs(4000, 10, 0.03, 2, 1.2);
const model = () => new SmallNetClassifier([], { epochs: 30, batchSize: 64 });

async function target(): Promise<number> {
  const full = new SmallNetClassifier([], { epochs: 5 });
  await full.fit(pool.x, pool.y);
  return 0.97 * prAuc(full.predictProba(held.x), held.y); // 97 % of what labelling everything gives
}

async function labelsNeeded(strategy: Strategy, seed: number, targetPrAuc: number) {
  const r = await runActiveLearning({ pool, test: held, newModel: model, strategy, initialLabels: 50, batchSize: 25, maxLabels: 1500, targetPrAuc, seed });
  assert.equal(r.curve[0].labels >= 50, true);
  return r.labelsToTarget ?? Infinity;
}

test('uncertainty sampling reaches the target PR-AUC with fewer labels than random labelling', async () => {
  const t = await target();
  for (const seed of [0, 1]) {
    const random = await labelsNeeded('random', seed, t);
    const uncertainty = await labelsNeeded('uncertainty', seed, t);
    assert.ok(uncertainty < random, `seed ${seed}: uncertainty ${uncertainty} labels vs random ${random}`);
  }
});

test('margin and diversity sampling also reach the target within the budget, with distinct picks', async () => {
  const t = await target();
  for (const s of ['margin', 'diversity'] as const) {
    const n = await labelsNeeded(s, 0, t);
    assert.ok(Number.isFinite(n), `${s} never reached ${t}`);
  }
  // The strategies choose different rows (the curves differ after the shared seed set).
  const a = await runActiveLearning({ pool, test: held, newModel: model, strategy: 'uncertainty', initialLabels: 50, batchSize: 25, maxLabels: 100, seed: 0 });
  const b = await runActiveLearning({ pool, test: held, newModel: model, strategy: 'diversity', initialLabels: 50, batchSize: 25, maxLabels: 100, seed: 0 });
  assert.equal(a.curve[0].prAuc, b.curve[0].prAuc, 'same seed set');
  assert.notEqual(a.curve.at(-1)!.prAuc, b.curve.at(-1)!.prAuc);
});

test('a pool with one class is refused', async () => {
  const y = new Uint8Array(pool.y.length);
  await assert.rejects(runActiveLearning({ pool: { x: pool.x, y }, test: held, newModel: model, strategy: 'random', initialLabels: 10, batchSize: 10, maxLabels: 20 }), /only one class/);
});
