import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prAuc, rocAuc, recallAtFpr, rankingQuality } from '../../src/metrics/ranking.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('PR-AUC is average precision, computed by hand', () => {
  // Positives at ranks 1, 3, 6: AP = (1/3)(1/1) + (1/3)(2/3) + (1/3)(3/6) = 13/18.
  close(prAuc([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [1, 0, 1, 0, 0, 1]), 13 / 18);
  close(prAuc([0.9, 0.1], [1, 0]), 1);
});

test('ROC-AUC counts ordered pairs, ties as one half', () => {
  // Pairs (pos > neg): 3 + 2 + 0 = 5 of 9.
  close(rocAuc([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [1, 0, 1, 0, 0, 1]), 5 / 9);
  // One tied pair (1/2) and one won pair: 1.5 / 2.
  close(rocAuc([0.5, 0.5, 0.2], [1, 0, 0]), 0.75);
  close(rocAuc([0.1, 0.9], [1, 0]), 0);
});

test('tied scores form one threshold for PR-AUC', () => {
  // Both items share a score: precision 1/2 at recall 1.
  close(prAuc([0.5, 0.5, 0.2], [1, 0, 0]), 0.5);
});

test('recall at a false-positive-rate budget', () => {
  const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  const y = [1, 0, 1, 0, 0, 1];
  close(recallAtFpr(s, y, 0.01), 1 / 3); // only the top score fits in 1 % FPR
  close(recallAtFpr(s, y, 0.34), 2 / 3); // one false positive of three allowed
  close(recallAtFpr(s, y, 1), 1);
  // 200 negatives, 2 may be false positives at 1 %: the positive under 2 negatives is caught.
  const scores = [1, 0.99, 0.98, 0.97, ...Array.from({ length: 198 }, (_, i) => 0.5 - i * 0.001), 0.1];
  const labels = [1, 0, 0, 1, ...Array.from({ length: 198 }, () => 0), 1];
  close(recallAtFpr(scores, labels, 0.01), 2 / 3);
});

test('degenerate inputs give NaN, not a number that looks real', () => {
  assert.ok(Number.isNaN(prAuc([0.1, 0.2], [0, 0])));
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])));
  assert.throws(() => rocAuc([0.1], [1, 0]), /1 scores but 2 labels/);
  const q = rankingQuality([0.9, 0.1, 0.8, 0.2], [1, 0, 1, 0]);
  assert.deepEqual(q, { prAuc: 1, rocAuc: 1, recallAt1PctFpr: 1 });
});
