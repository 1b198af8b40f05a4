import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, makeSplits, type TextDataset } from '../../src/data/text/index.js';

function synthetic(n: number, spamEvery: number): TextDataset {
  const texts = Array.from({ length: n }, (_, i) => `message ${i}`);
  const labels = texts.map((_, i) => (i % spamEvery === 0 ? 1 : 0));
  return { source: 'synthetic', texts, labels, labelNames: ['ham', 'spam'] };
}

const frac = (ds: TextDataset) => ds.labels.filter((l) => l === 1).length / ds.labels.length;

test('largest-remainder allocation keeps proportions and never takes more than there is', () => {
  assert.deepEqual(allocate(10, [70, 30]), [7, 3]);
  assert.deepEqual(allocate(5, [1, 1, 1]), [1, 1, 1]);
  assert.deepEqual(allocate(3, [50, 25, 25]).reduce((a, b) => a + b, 0), 3);
  assert.deepEqual(allocate(100, [2, 1000]), [0, 100], 'proportional: 0.2 rounds to 0');
  assert.deepEqual(allocate(10, [1, 3]), [1, 3], 'capped at what there is');
});

test('stratified, seeded, disjoint splits; the test set does not depend on --train-size', () => {
  const all = synthetic(5000, 4); // 25 % spam
  const a = makeSplits({ all }, { trainSize: 2000, testSize: 500, seed: 42 });
  assert.equal(a.train.texts.length, 2000);
  assert.equal(a.validation.texts.length, 200);
  assert.equal(a.test.texts.length, 500);
  assert.equal(frac(a.train), 0.25);
  assert.equal(frac(a.test), 0.25);
  assert.equal(frac(a.validation), 0.25);
  const ids = (ds: TextDataset) => ds.texts;
  const seen = new Set([...ids(a.train), ...ids(a.validation), ...ids(a.test)]);
  assert.equal(seen.size, 2700, 'no example in two splits');
  a.train.texts.forEach((t, i) => assert.equal(a.train.labels[i], Number(t.split(' ')[1]) % 4 === 0 ? 1 : 0, 'labels travel with texts'));

  const again = makeSplits({ all }, { trainSize: 2000, testSize: 500, seed: 42 });
  assert.deepEqual(again.train.texts, a.train.texts, 'same seed, same sample');
  const other = makeSplits({ all }, { trainSize: 2000, testSize: 500, seed: 7 });
  assert.notDeepEqual(other.test.texts, a.test.texts, 'another seed, another sample');
  const smaller = makeSplits({ all }, { trainSize: 300, testSize: 500, validationSize: 200, seed: 42 });
  assert.deepEqual(smaller.test.texts, a.test.texts);
  assert.match(a.description, /train 2000 \(ham 1500, spam 500\), validation 200, test 500 \(ham 375, spam 125\); stratified, seed 42/);
});

test('separate train and test pools (like IMDb), and requests larger than the data are scaled with a note', () => {
  const s = makeSplits({ train: synthetic(1000, 2), test: synthetic(400, 2) }, { trainSize: 2000, testSize: 300, seed: 42 });
  assert.equal(s.test.texts.length, 300);
  assert.equal(s.train.texts.length + s.validation.texts.length, 1000);
  assert.match(s.notes[0]!, /synthetic has 1000 examples, fewer than the 2200 asked for/);

  const tiny = makeSplits({ all: synthetic(40, 2) }, {});
  assert.equal(tiny.train.texts.length + tiny.validation.texts.length + tiny.test.texts.length <= 40, true);
  assert.ok(tiny.train.texts.length >= 20);
  assert.equal(tiny.notes.length, 1);
  assert.throws(() => makeSplits({ all: synthetic(40, 2) }, { trainSize: 0 }), /--train-size: expected a number >= 1 \(got "0"\)$/);
  assert.throws(() => makeSplits({ all: synthetic(40, 2) }, { seed: 1.5 }), /--seed/);
});
