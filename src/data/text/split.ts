/**
 * Seeded, stratified subsampling into train / validation / test, like the guide's §6.1 (2,000
 * training and a few hundred test reviews, seed 42). Each split keeps the class proportions of its
 * pool (largest-remainder rounding). From a single pool the test set is drawn first, then
 * validation, then train, so the test set does not change when only --train-size does. Requests
 * larger than the data are scaled down to fit, with a note saying so.
 */
import { fail } from '../../util/errors.js';
import { checkNumber } from '../../util/flags.js';
import { seededUniform, shuffleInPlace } from '../../util/random.js';
import type { TextDataset, TextSplits } from './types.js';

export interface SplitOptions {
  /** Default 2000. */
  trainSize?: number;
  /** Default 500. */
  testSize?: number;
  /** Default 10 % of trainSize (drawn besides train, not out of it); 0 for none. */
  validationSize?: number;
  /** Default 42. */
  seed?: number;
}

export const DEFAULT_SPLIT = { trainSize: 2000, testSize: 500, seed: 42 } as const;

/** A size or seed option: a whole number >= `min`, worded like every flag check (util/flags.ts). */
function checkSize(v: number, flag: string, min: number): number {
  return checkNumber(flag, v, { integer: true, min });
}

/** How many of `n` to take from each class, proportionally to `available` (never more than there is). */
export function allocate(n: number, available: number[]): number[] {
  const total = available.reduce((a, b) => a + b, 0);
  const take = Math.min(n, total);
  const exact = available.map((c) => (total ? (take * c) / total : 0));
  const out = exact.map(Math.floor);
  let left = take - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    if (out[i]! < available[i]!) { out[i]!++; left--; }
  }
  return out;
}

/** Per-class shuffled index queues of `ds`, drawn from in order. */
function classQueues(ds: TextDataset, random: () => number): number[][] {
  const queues: number[][] = ds.labelNames.map(() => []);
  ds.labels.forEach((l, i) => queues[l]!.push(i));
  return queues.map((q) => shuffleInPlace(q, random));
}

function draw(queues: number[][], n: number, random: () => number): number[] {
  const counts = allocate(n, queues.map((q) => q.length));
  const picked = counts.flatMap((k, c) => queues[c]!.splice(0, k));
  return shuffleInPlace(picked, random);
}

function subset(ds: TextDataset, idx: number[], source: string): TextDataset {
  return { source, texts: idx.map((i) => ds.texts[i]!), labels: idx.map((i) => ds.labels[i]!), labelNames: ds.labelNames };
}

function classCounts(ds: TextDataset): string {
  const counts = ds.labelNames.map(() => 0);
  for (const l of ds.labels) counts[l]!++;
  return ds.labelNames.map((n, i) => `${n} ${counts[i]}`).join(', ');
}

/**
 * Split data into train / validation / test. `pools.all`: one dataset split three ways; or
 * `pools.train` (train + validation come from it) and `pools.test` (the test set comes from it).
 */
export function makeSplits(
  pools: { all: TextDataset } | { train: TextDataset; test: TextDataset },
  opts: SplitOptions = {},
  name?: string,
): TextSplits {
  let trainSize = checkSize(opts.trainSize ?? DEFAULT_SPLIT.trainSize, '--train-size', 1);
  let testSize = checkSize(opts.testSize ?? DEFAULT_SPLIT.testSize, '--test-size', 1);
  let validationSize = checkSize(opts.validationSize ?? Math.max(1, Math.round(trainSize / 10)), '--validation-size', 0);
  const seed = checkSize(opts.seed ?? DEFAULT_SPLIT.seed, '--seed', 0);
  const random = seededUniform(seed);
  const notes: string[] = [];
  const fit = (want: number[], have: number, what: string): number[] => {
    const total = want.reduce((a, b) => a + b, 0);
    if (total <= have) return want;
    const scaled = allocate(have, want);
    notes.push(`${what} has ${have} examples, fewer than the ${total} asked for: sizes scaled down to ${scaled.join(' / ')}`);
    return scaled;
  };

  let train: TextDataset;
  let validation: TextDataset;
  let test: TextDataset;
  let labelNames: string[];
  let source: string;
  if ('all' in pools) {
    const all = pools.all;
    labelNames = all.labelNames;
    source = name ?? all.source;
    [testSize, validationSize, trainSize] = fit([testSize, validationSize, trainSize], all.texts.length, source);
    const queues = classQueues(all, random);
    test = subset(all, draw(queues, testSize, random), `${source} (test)`);
    validation = subset(all, draw(queues, validationSize, random), `${source} (validation)`);
    train = subset(all, draw(queues, trainSize, random), `${source} (train)`);
  } else {
    labelNames = pools.train.labelNames;
    source = name ?? pools.train.source;
    [validationSize, trainSize] = fit([validationSize, trainSize], pools.train.texts.length, pools.train.source);
    [testSize] = fit([testSize], pools.test.texts.length, pools.test.source);
    const queues = classQueues(pools.train, random);
    validation = subset(pools.train, draw(queues, validationSize, random), `${source} (validation)`);
    train = subset(pools.train, draw(queues, trainSize, random), `${source} (train)`);
    test = subset(pools.test, draw(classQueues(pools.test, random), testSize, random), `${source} (test)`);
  }
  if (train.texts.length < 2 || test.texts.length < 1) fail(source, `too little data: ${train.texts.length} training and ${test.texts.length} test examples after splitting`);
  if (new Set(train.labels).size < 2) fail(source, 'the training sample has only one class; use a larger --train-size');
  const description = `${source}: train ${train.texts.length} (${classCounts(train)}), validation ${validation.texts.length}, ` +
    `test ${test.texts.length} (${classCounts(test)}); stratified, seed ${seed}`;
  return { train, validation, test, labelNames, description, seed, notes };
}
