/**
 * Choosing the early-exit and cascade thresholds on validation data: the pure choice on known
 * probabilities, then end to end on the tiny models run by real workers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseCascadeThreshold, chooseExitThreshold, evaluateExit } from '../../src/evaluate/thresholds.js';
import { calibrateCascade, calibrateEarlyExit } from '../../src/evaluate/calibrate.js';
import { suiteFixture } from './helpers.js';

describe('threshold choice', () => {
  // Two stages, four examples (labels 0,1,0,1). Stage 0 is right on the confident ones only.
  const stage0 = [[0.95, 0.05], [0.3, 0.7], [0.4, 0.6], [0.1, 0.9]];
  const stage1 = [[0.99, 0.01], [0.2, 0.8], [0.7, 0.3], [0.05, 0.95]];
  const labels = [0, 1, 0, 1];

  it('evaluates exits per threshold', () => {
    const e = evaluateExit([stage0, stage1], labels, 0.85);
    assert.deepEqual(e.exitShares, [0.5, 0.5]);
    assert.equal(e.accuracy, 1);
    assert.equal(e.meanStages, 1.5);
  });

  it('picks the cheapest threshold that meets the target accuracy', () => {
    const c = chooseExitThreshold([stage0, stage1], labels, 1);
    assert.equal(c.accuracy, 1);
    // At 0.7 the three examples stage 0 gets right exit there; the one it gets wrong (0.6) goes on.
    // The threshold served is halfway down to the next confidence seen: same decisions, a margin.
    assert.equal(c.threshold, (0.7 + 0.6) / 2);
    assert.equal(c.meanStages, 1.25);
    const loose = chooseExitThreshold([stage0, stage1], labels, 0.75);
    assert.equal(loose.meanStages, 1, 'a lower target lets every example exit at stage 0');
    assert.equal(loose.accuracy, 0.75);
  });

  it('returns null, not Infinity, when only running every stage keeps the target', () => {
    // Stage 0 is most confident on the row it gets wrong: any early exit costs accuracy.
    const s0 = [[0.9, 0.1], [0.2, 0.8], [0.99, 0.01]];
    const s1 = [[0.9, 0.1], [0.1, 0.9], [0.2, 0.8]];
    const c = chooseExitThreshold([s0, s1], [0, 1, 1], { maxDrop: 0 });
    assert.equal(c.threshold, null);
    assert.equal(c.meanStages, 2);
    assert.equal(c.accuracy, 1);
    assert.equal(c.targetAccuracy, 1);
  });

  it('agrees with evaluating every candidate (the sweep is exact)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const probs = () => { const p = rnd(); return [p, 1 - p]; };
    const n = 300;
    const stagesP = [0, 1, 2].map(() => Array.from({ length: n }, probs));
    const y = Array.from({ length: n }, () => (rnd() < 0.5 ? 0 : 1));
    for (const target of [0.4, 0.5, 0.55, { maxDrop: 0.02 }]) {
      const c = chooseExitThreshold(stagesP, y, target);
      const goal = typeof target === 'number' ? target : c.fullAccuracy - target.maxDrop;
      // Brute force: every confidence seen (and "never") evaluated directly.
      const cands = [...new Set(stagesP.slice(0, 2).flat().map((p) => Math.max(...p)))].concat([Infinity]);
      let bestStages = Infinity;
      for (const t of cands) {
        const e = evaluateExit(stagesP, y, t);
        if (e.accuracy >= goal) bestStages = Math.min(bestStages, e.meanStages);
      }
      if (bestStages === Infinity) {
        assert.equal(c.threshold, null, `target ${JSON.stringify(target)}: nothing meets it`);
        continue;
      }
      assert.ok(Math.abs(c.meanStages - bestStages) < 1e-12, `target ${JSON.stringify(target)}: sweep ${c.meanStages} vs brute force ${bestStages}`);
      assert.ok(c.accuracy >= goal);
    }
  });

  it('says so when even the full model misses the target', () => {
    const c = chooseExitThreshold([stage0, stage1], [1, 0, 1, 0], 0.9);
    assert.equal(c.threshold, null);
  });

  it('keeps a cascade within the allowed drop of the large model', () => {
    const small = [[0.9, 0.1], [0.45, 0.55], [0.8, 0.2], [0.6, 0.4]];
    const large = [[0.9, 0.1], [0.2, 0.8], [0.9, 0.1], [0.1, 0.9]];
    const y = [0, 1, 0, 1];
    const strict = chooseCascadeThreshold(small, large, y, { maxDrop: 0 });
    assert.equal(strict.accuracy, 1);
    assert.equal(strict.smallShare, 0.5, 'the small model keeps the two it gets right with high confidence');
    const lax = chooseCascadeThreshold(small, large, y, { maxDrop: 0.25 });
    assert.equal(lax.smallShare, 1, 'a 25-point allowance lets the small model answer everything');
    assert.equal(lax.accuracy, 0.75);
  });
});

describe('calibration on real models', () => {
  const fx = suiteFixture();

  it('chooses an exit threshold for the early-exit text model', async () => {
    const texts = ['free cash prize win now', 'click to claim money', 'meeting tomorrow thanks', 'please review the report', 'free meeting tomorrow thanks', 'win cash for the lunch'];
    const labels = ['spam', 'spam', 'ham', 'ham', 'ham', 'spam'];
    const c = await calibrateEarlyExit(fx.f.textExit, { rows: { kind: 'text', texts }, labels }, 0.8);
    assert.equal(c.stages, 3);
    assert.ok(c.threshold !== null);
    assert.ok(c.accuracy >= 0.8);
    assert.ok(c.meanStages < 3, `early exit saves stages (mean ${c.meanStages})`);
    assert.ok(Math.abs(c.exitShares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  });

  it('chooses a cascade threshold for the tabular pair', async () => {
    const rows = [
      [900, 3, 0],
      [600, 1, 1],
      [5, 10, 1],
      [20, 12, 0],
      [210, 11, 2],
      [180, 12, 2],
    ].map((r) => Float32Array.from(r));
    // The large model is right on all six; the amount-only small model is unsure near the boundary
    // and wrong on the last row, so keeping the large model's accuracy leaves it four of six.
    const labels = ['fraud', 'fraud', 'legit', 'legit', 'fraud', 'fraud'];
    const c = await calibrateCascade(fx.f.tabularSmall, fx.f.tabular, { rows: { kind: 'tabular', features: rows }, labels }, { maxDrop: 0 });
    assert.equal(c.largeAccuracy, 1);
    assert.ok(c.smallAccuracy < 1);
    assert.equal(c.accuracy, 1);
    assert.ok(Math.abs(c.smallShare - 4 / 6) < 1e-9, `small share ${c.smallShare}`);
  });
});
