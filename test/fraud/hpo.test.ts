import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridSearch, gridPoints, patienceStop, tpeSearch, type SearchSpace, type Params, type Trial } from '../../src/train/hpo/index.js';

// A toy validation score with a known optimum at learningRate 0.03, leaves 40, depth 7, sampler 'b'.
const space: SearchSpace = {
  learningRate: { type: 'float', low: 1e-3, high: 1, log: true },
  leaves: { type: 'int', low: 4, high: 128 },
  depth: { type: 'int', low: 2, high: 12 },
  sampler: { type: 'categorical', choices: ['a', 'b', 'c'] },
};
function toyScore(p: Params): number {
  const lr = Math.log10(p.learningRate as number) - Math.log10(0.03);
  const leaves = ((p.leaves as number) - 40) / 40;
  const depth = ((p.depth as number) - 7) / 5;
  return 1 - lr * lr - leaves * leaves - depth * depth - (p.sampler === 'b' ? 0 : 0.3);
}

test('grid points cover the space (log-spaced where asked)', () => {
  const pts = gridPoints({ lr: { type: 'float', low: 0.001, high: 0.1, log: true }, k: { type: 'categorical', choices: [1, 2] } }, 3);
  assert.equal(pts.length, 6);
  const lrs = [...new Set(pts.map((p) => p.lr as number))];
  assert.deepEqual(lrs.map((v) => Number(v.toPrecision(6))), [0.001, 0.01, 0.1]);
});

test('TPE reaches the grid\'s best score in fewer trials than the grid', async () => {
  const grid = await gridSearch(space, toyScore, { pointsPerAxis: 4 }); // 4 x 4 x 4 x 3 = 192 trials
  assert.equal(grid.trials.length, 192);
  const target = grid.best.score;
  const tpe = await tpeSearch(space, toyScore, { maxTrials: 150, seed: 7, target, stopAtTarget: true });
  assert.ok(tpe.trialsToTarget !== undefined, `TPE never reached ${target} (best ${tpe.best.score})`);
  assert.ok(tpe.trialsToTarget < grid.trials.length / 2, `TPE took ${tpe.trialsToTarget} trials vs grid ${grid.trials.length}`);
  assert.equal(tpe.best.params.sampler, 'b');
});

test('TPE is repeatable for a seed and beats random start-up on its own budget', async () => {
  const a = await tpeSearch(space, toyScore, { maxTrials: 30, seed: 3 });
  const b = await tpeSearch(space, toyScore, { maxTrials: 30, seed: 3 });
  assert.deepEqual(a.trials.map((t) => t.params), b.trials.map((t) => t.params));
  const startupBest = Math.max(...a.trials.slice(0, 5).map((t) => t.score));
  assert.ok(a.best.score > startupBest, 'the model-guided trials improved on the random start-up');
});

test('at an equal trial budget TPE finds a better score than the grid', async () => {
  // 3 x 3 x 3 x 3 = 81 points; the grid's axes hold lr 0.032 and depth 7 but not leaves 40 (4, 66, 128),
  // so its best is capped; TPE gets the same 81 trials and is free to go between the axes.
  const grid = await gridSearch(space, toyScore, { pointsPerAxis: 3 });
  assert.equal(grid.trials.length, 81);
  const tpe = await tpeSearch(space, toyScore, { maxTrials: grid.trials.length, seed: 7 });
  assert.equal(tpe.trials.length, grid.trials.length);
  assert.ok(tpe.best.score > grid.best.score, `TPE ${tpe.best.score} vs grid ${grid.best.score} at ${grid.trials.length} trials`);
});

const trialsOf = (scores: number[]): Trial[] => scores.map((score, index) => ({ index, params: {}, score }));

test('the patience stop rule fires after k trials without a gain above minDelta', () => {
  // Best rises at trials 1, 2, 4; then 3 trials without a gain above 0.01 -> stops after trial 7.
  const trials = trialsOf([0.5, 0.6, 0.55, 0.7, 0.705, 0.69, 0.709, 0.9]);
  assert.equal(patienceStop(trials, { patience: 3, minDelta: 0.01 }), 7);
  // Without minDelta the 0.705 and 0.709 count as gains: the budget runs out first.
  assert.equal(patienceStop(trials, { patience: 3 }), undefined);
  // A tie is not a gain.
  assert.equal(patienceStop(trialsOf([0.5, 0.5, 0.5]), { patience: 2 }), 3);
  assert.throws(() => patienceStop(trials, { patience: 0 }), /patience must be a whole number >= 1/);
});

test('TPE under its own stop rule stops where the rule says, as a prefix of the longer run', async () => {
  const flat = (p: Params) => Math.round(toyScore(p) * 2) / 2; // a coarse score plateaus quickly
  const full = await tpeSearch(space, flat, { maxTrials: 60, seed: 5 });
  const rule = { patience: 6, minDelta: 0.01 };
  const at = patienceStop(full.trials, rule);
  assert.ok(at !== undefined && at < 60, `the rule should fire on a plateau (fired at ${at})`);
  const stopped = await tpeSearch(space, flat, { maxTrials: 60, seed: 5, stopWhenStale: rule });
  assert.equal(stopped.trials.length, at);
  assert.deepEqual(stopped.trials.map((t) => t.params), full.trials.slice(0, at).map((t) => t.params));
});

test('energy to target sums trial energies up to the hit', async () => {
  const r = await gridSearch({ x: { type: 'int', low: 0, high: 4 } }, (p) => ({ score: p.x as number, energyJ: 2 }), { pointsPerAxis: 5, target: 3 });
  assert.equal(r.trialsToTarget, 4);
  assert.equal(r.energyToTargetJ, 8);
  assert.equal(r.totalEnergyJ, 10);
});

test('a bad space is a one-line user error', async () => {
  await assert.rejects(tpeSearch({ lr: { type: 'float', low: 0, high: 1, log: true } }, () => 0, { maxTrials: 1 }), /"lr" is log-scaled but low 0/);
});
