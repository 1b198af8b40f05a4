/**
 * epochOrder, the per-epoch row order the logistic, MLP and linear text models batch by: one shuffle
 * per epoch in turn, replayed up to the epoch asked for, so that a resumed run sees the same order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochOrder, seededRandom } from '../../src/util/random.js';

test('the order at epoch k is the same whether asked for directly or epoch by epoch', () => {
  const direct = [...epochOrder(50, seededRandom(7))(3)];
  const stepwise = epochOrder(50, seededRandom(7));
  for (let e = 0; e <= 3; e++) stepwise(e);
  assert.deepEqual(stepwise(3), direct);
  assert.deepEqual(epochOrder(50, seededRandom(7))(0), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...direct].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(direct, [...epochOrder(50, seededRandom(7))(2)]);
});
