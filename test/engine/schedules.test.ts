import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReduceLROnPlateau, constantLr, cosineLr, linearWarmupDecay } from '../../src/engine/fit/schedules.js';
import { EarlyStopping } from '../../src/engine/fit/early-stopping.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('constant, linear warm-up + decay and cosine schedules', () => {
  assert.equal(constantLr(0.1)(1000), 0.1);
  const lin = linearWarmupDecay(1, 10, 110);
  close(lin(0), 0.1); // warm-up step k runs at (k + 1) / 10: no wasted step at rate 0
  close(lin(4), 0.5);
  close(lin(9), 1);
  close(lin(10), 1);
  close(lin(60), 0.5);
  close(lin(110), 0);
  close(lin(200), 0);
  const cos = cosineLr(1, 100, { warmupSteps: 0, minLr: 0.1 });
  close(cos(0), 1);
  close(cos(50), 0.55);
  close(cos(100), 0.1);
  assert.throws(() => linearWarmupDecay(1, 20, 10), /warmupSteps/);
});

test('ReduceLROnPlateau cuts the rate after patience evaluations without improvement', () => {
  const p = new ReduceLROnPlateau(1, { patience: 2, factor: 0.5, mode: 'min' });
  assert.equal(p.report(1.0), 1);
  assert.equal(p.report(0.9), 1);
  assert.equal(p.report(0.95), 1);
  assert.equal(p.report(0.95), 1);
  assert.equal(p.report(0.95), 0.5); // third bad evaluation > patience 2
  assert.equal(p.report(0.5), 0.5);
  assert.equal(p.schedule(123), 0.5);
});

test('EarlyStopping stops after patience and remembers the best weights', async () => {
  const es = new EarlyStopping({ patience: 1, mode: 'max' });
  let copies = 0;
  const w = (v: number) => async () => {
    copies++;
    return new Map([['w', Float32Array.of(v)]]);
  };
  assert.equal(await es.update(0.5, 1, w(1)), false);
  assert.equal(await es.update(0.7, 2, w(2)), false);
  assert.equal(await es.update(0.6, 3, w(3)), true, 'patience 1: the first evaluation that is not better stops (as Hugging Face and Keras count)');
  assert.equal(es.best, 0.7);
  assert.equal(es.bestAt, 2);
  assert.deepEqual(es.bestWeights?.get('w'), Float32Array.of(2));
  assert.equal(copies, 2, 'weights are copied only on improvement');
});

test('EarlyStopping with patience 2 waits two evaluations; Infinity only keeps the best; its state survives a checkpoint', async () => {
  const two = new EarlyStopping({ patience: 2, mode: 'min' });
  assert.equal(await two.update(1, 1), false);
  assert.equal(await two.update(1.1, 2), false);
  const copy = new EarlyStopping({ patience: 2, mode: 'min' });
  copy.restore(JSON.parse(JSON.stringify(two.state())), undefined);
  assert.equal(await copy.update(1.2, 3), true, 'the restored copy stops where the original would');
  assert.equal(await two.update(1.2, 3), true);
  const keep = new EarlyStopping({ patience: Infinity, mode: 'max' });
  for (let i = 1; i <= 20; i++) assert.equal(await keep.update(i === 3 ? 0.9 : 0.1, i), false);
  assert.equal(keep.bestAt, 3);
  assert.throws(() => new EarlyStopping({ patience: 0 }), /patience must be a positive integer/);
});
