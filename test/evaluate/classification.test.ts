/** Accuracy and macro-F1 against hand-computed values (the same as scikit-learn's f1_score(average='macro')). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows, classificationMetrics } from '../../src/metrics/classification.js';

test('accuracy, macro-F1 and the confusion matrix', () => {
  const actual = [0, 0, 0, 1, 1, 2];
  const predicted = [0, 1, 0, 1, 2, 2];
  const m = classificationMetrics(predicted, actual, 3);
  assert.equal(m.correct, 4);
  assert.equal(m.accuracy, 4 / 6);
  assert.deepEqual(m.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  // F1: class 0 = 2*2/(4+0+1) = 0.8, class 1 = 2/(2+1+1) = 0.5, class 2 = 2/(2+1+0) = 2/3
  assert.ok(Math.abs(m.macroF1 - (0.8 + 0.5 + 2 / 3) / 3) < 1e-12);
  // a constant predictor on imbalanced data: accuracy looks fine, macro-F1 shows it
  const lazy = classificationMetrics([0, 0, 0, 0], [0, 0, 0, 1], 2);
  assert.equal(lazy.accuracy, 0.75);
  assert.ok(Math.abs(lazy.macroF1 - (2 * 3 / (6 + 1) + 0) / 2) < 1e-12);
});

test('argmax over row-major logits', () => {
  assert.deepEqual(argmaxRows(Float32Array.from([0.1, 2, -1, 5, 4, 3]), 3), [1, 0]);
});
