/**
 * Fine-tune (or train from scratch) DistilBertForSequenceClassification on the engine, like the
 * guide's §6.1 Trainer: AdamW (weight decay 0.01) with a linearly decaying learning rate, shuffled
 * batches padded to their longest row, evaluation on the validation set after each epoch, early
 * stopping with patience 1 on validation accuracy, and the best epoch's weights kept.
 */
import { Graph } from '../../engine/graph.js';
import { TrainingSession } from '../../engine/runtime/training-session.js';
import type { HostTensor } from '../../engine/types.js';
import * as op from '../../engine/ops/index.js';
import { argmaxRows, classificationMetrics } from '../../metrics/classification.js';
import { rng } from './params.js';
import type { DistilBertConfig } from './config.js';
import type { Params } from './params.js';
import { distilbertForward, earlyExitLoss } from './train-graph.js';

export interface EncodedSet {
  /** Token ids per sample, with [CLS]/[SEP], unpadded. */
  ids: number[][];
  labels: number[];
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Stop after this many epochs without a better validation accuracy (default 1, like the guide). */
  patience?: number;
  threads?: number;
  /** Early-exit heads after these layers, trained with the weighted aggregate loss. */
  exits?: number[];
  padId: number;
  /** Warm-up fraction of the steps (linear), default 0.06 from scratch-friendly settings. */
  warmupFraction?: number;
  onStep?: (info: { step: number; totalSteps: number; epoch: number; loss: number }) => void;
  onEpoch?: (info: EpochReport) => void;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  valAccuracy: number;
  valMacroF1: number;
  seconds: number;
}

export interface FitResult {
  params: Params;
  history: EpochReport[];
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
  exitWeights?: number[];
}

export function padBatch(rows: number[][], padId: number): { ids: HostTensor; mask: HostTensor } {
  const len = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * len).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * len);
  rows.forEach((r, i) => r.forEach((v, j) => { ids[i * len + j] = BigInt(v); mask[i * len + j] = 1n; }));
  return { ids: { dtype: 'int64', dims: [rows.length, len], data: ids }, mask: { dtype: 'int64', dims: [rows.length, len], data: mask } };
}

function shuffled(n: number, seed: number): number[] {
  const r = rng(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r.uniform() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Train; returns the best epoch's parameters (by validation accuracy). `params` is not modified. */
export async function fitDistilBert(config: DistilBertConfig, params: Params, train: EncodedSet, val: EncodedSet, opts: FitOptions): Promise<FitResult> {
  const g = new Graph('distilbert-train');
  g.seed = opts.seed;
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const labels = g.input('labels', 'int64', ['batch']);
  const fwd = distilbertForward(g, config, params, ids, mask, { train: true, exits: opts.exits });
  let loss;
  let exitWeights: number[] | undefined;
  if (fwd.exitLogits.length) {
    const e = earlyExitLoss(fwd.exitLogits, fwd.logits, labels);
    loss = e.loss;
    exitWeights = e.weights;
  } else loss = op.crossEntropy(fwd.logits, labels);
  // Initial values are copied (the default), not moved: `params` is shared with other variants, e.g.
  // the structured-pruned copy keeps the unpruned embedding table.
  const session = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: opts.lr, weightDecay: 0.01 }, clipGradNorm: 1.0 }, { threads: opts.threads });
  const stepsPerEpoch = Math.ceil(train.ids.length / opts.batchSize);
  const totalSteps = stepsPerEpoch * opts.epochs;
  const warmup = Math.round((opts.warmupFraction ?? 0) * totalSteps);
  const lrAt = (step: number) => (step < warmup ? (opts.lr * (step + 1)) / warmup : (opts.lr * Math.max(0, totalSteps - step)) / Math.max(1, totalSteps - warmup));
  const patience = opts.patience ?? 1;
  const history: EpochReport[] = [];
  let best: { acc: number; epoch: number; params: Map<string, Float32Array> } | null = null;
  let stoppedEarly = false;
  let step = 0;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const t0 = Date.now();
      const order = shuffled(train.ids.length, opts.seed + epoch);
      let lossSum = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        const idx = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
        const { ids: bi, mask: bm } = padBatch(idx.map((i) => train.ids[i]), opts.padId);
        const bl: HostTensor = { dtype: 'int64', dims: [idx.length], data: BigInt64Array.from(idx.map((i) => BigInt(train.labels[i]))) };
        const r = await session.trainStep({ input_ids: bi, attention_mask: bm, labels: bl }, { lr: lrAt(step) });
        step++;
        lossSum += r.loss;
        opts.onStep?.({ step, totalSteps, epoch, loss: r.loss });
      }
      const predicted: number[] = [];
      for (let b = 0; b < val.ids.length; b += 64) {
        const { ids: bi, mask: bm } = padBatch(val.ids.slice(b, b + 64), opts.padId);
        const out = await session.evaluate({ input_ids: bi, attention_mask: bm }, { logits: fwd.logits });
        predicted.push(...argmaxRows(out.logits.data as Float32Array, config.labels.length));
      }
      const m = classificationMetrics(predicted, val.labels, config.labels.length);
      const report = { epoch, trainLoss: lossSum / stepsPerEpoch, valAccuracy: m.accuracy, valMacroF1: m.macroF1, seconds: (Date.now() - t0) / 1000 };
      history.push(report);
      opts.onEpoch?.(report);
      if (!best || m.accuracy > best.acc) best = { acc: m.accuracy, epoch, params: await session.getParams() };
      else if (epoch - best.epoch >= patience) {
        stoppedEarly = epoch < opts.epochs;
        break;
      }
    }
  } finally {
    await session.close();
  }
  const out: Params = new Map();
  for (const [name, data] of best!.params) out.set(name, { data, dims: [...(g.findParam(name)!.dims)] });
  return { params: out, history, bestEpoch: best!.epoch, stoppedEarly, steps: step, exitWeights };
}
