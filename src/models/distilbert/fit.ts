/**
 * Fine-tune (or train from scratch) DistilBertForSequenceClassification on the engine, like the
 * guide's §6.1 Trainer: AdamW (weight decay 0.01) with a linearly decaying learning rate, shuffled
 * batches padded to their longest row, evaluation on the validation set after each epoch, early
 * stopping with patience 1 on validation accuracy, and the best epoch's weights kept.
 */
import type { TrainingSession } from '../../engine/runtime/training-session.js';
import type { HostTensor } from '../../engine/types.js';
import { argmaxRows, classificationMetrics } from '../../metrics/classification.js';
import { rng } from './params.js';
import type { DistilBertConfig } from './config.js';
import type { Params } from './params.js';
import { openDistilBertTraining } from './train-session.js';

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
  /** Save resumable state every `every` steps and after each epoch; resume from what it loads. */
  checkpoint?: FitCheckpointer;
}

/**
 * Where a run is, enough to continue it exactly: the shuffle order is a function of (seed, epoch),
 * so the epoch and the batches done in it are the shuffle state. Dropout's generator lives inside
 * ONNX Runtime and is not saved: a resumed run draws fresh dropout masks.
 */
export interface FitProgress {
  /** Optimiser steps done. */
  step: number;
  /** The epoch in progress (1-based) and the batches of it done; batch = stepsPerEpoch: epoch trained, not yet evaluated. */
  epoch: number;
  batch: number;
  lossSum: number;
  history: EpochReport[];
  best: { acc: number; epoch: number } | null;
  /** Training finished (all epochs or early stop): the best weights are the result. */
  done?: { stoppedEarly: boolean };
  exitWeights?: number[];
}

/** Saves and restores a fit's state (src/train/checkpoint.ts writes it to disk). */
export interface FitCheckpointer {
  /** Steps between checkpoints (0: only after each epoch). */
  every: number;
  /** Write the session's state, the progress and (when `bestChanged`) the best weights, atomically. */
  save(session: TrainingSession, progress: FitProgress, best: Map<string, Float32Array> | null, bestChanged: boolean): Promise<void>;
  /** The last saved state (the session gets its weights and optimiser moments back), or null. */
  load(session: TrainingSession): Promise<{ progress: FitProgress; best: Map<string, Float32Array> | null } | null>;
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
  /** Set when the run continued from a checkpoint: where it picked up. */
  resumedFrom?: { step: number; epoch: number; batch: number };
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
  const { g, session, logits, exitWeights } = await openDistilBertTraining(config, params, opts);
  const stepsPerEpoch = Math.ceil(train.ids.length / opts.batchSize);
  const totalSteps = stepsPerEpoch * opts.epochs;
  const warmup = Math.round((opts.warmupFraction ?? 0) * totalSteps);
  const lrAt = (step: number) => (step < warmup ? (opts.lr * (step + 1)) / warmup : (opts.lr * Math.max(0, totalSteps - step)) / Math.max(1, totalSteps - warmup));
  const patience = opts.patience ?? 1;
  let history: EpochReport[] = [];
  let best: { acc: number; epoch: number; params: Map<string, Float32Array> } | null = null;
  let stoppedEarly = false;
  let step = 0;
  let startEpoch = 1;
  let startBatch = 0;
  let startLossSum = 0;
  let resumedFrom: FitResult['resumedFrom'];
  const ckpt = opts.checkpoint;
  const progress = (epoch: number, batch: number, lossSum: number): FitProgress => ({ step, epoch, batch, lossSum, history, best: best && { acc: best.acc, epoch: best.epoch }, exitWeights });
  try {
    const saved = ckpt ? await ckpt.load(session) : null;
    if (saved) {
      const p = saved.progress;
      ({ step, history } = p);
      if (p.best && saved.best) best = { ...p.best, params: saved.best };
      resumedFrom = { step: p.step, epoch: p.epoch, batch: p.batch };
      if (p.done) {
        stoppedEarly = p.done.stoppedEarly;
        startEpoch = opts.epochs + 1; // nothing left to train
      } else if (p.batch >= stepsPerEpoch && p.history.some((h) => h.epoch === p.epoch)) {
        startEpoch = p.epoch + 1; // that epoch was evaluated too
      } else {
        [startEpoch, startBatch, startLossSum] = [p.epoch, p.batch, p.lossSum];
      }
    }
    for (let epoch = startEpoch; epoch <= opts.epochs; epoch++) {
      const t0 = Date.now();
      const order = shuffled(train.ids.length, opts.seed + epoch);
      let lossSum = epoch === startEpoch ? startLossSum : 0;
      for (let b = epoch === startEpoch ? startBatch : 0; b < stepsPerEpoch; b++) {
        const idx = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
        const { ids: bi, mask: bm } = padBatch(idx.map((i) => train.ids[i]), opts.padId);
        const bl: HostTensor = { dtype: 'int64', dims: [idx.length], data: BigInt64Array.from(idx.map((i) => BigInt(train.labels[i]))) };
        const r = await session.trainStep({ input_ids: bi, attention_mask: bm, labels: bl }, { lr: lrAt(step) });
        step++;
        lossSum += r.loss;
        opts.onStep?.({ step, totalSteps, epoch, loss: r.loss });
        if (ckpt && ckpt.every > 0 && step % ckpt.every === 0) await ckpt.save(session, progress(epoch, b + 1, lossSum), null, false);
      }
      const predicted: number[] = [];
      for (let b = 0; b < val.ids.length; b += 64) {
        const { ids: bi, mask: bm } = padBatch(val.ids.slice(b, b + 64), opts.padId);
        const out = await session.evaluate({ input_ids: bi, attention_mask: bm }, { logits });
        predicted.push(...argmaxRows(out.logits.data as Float32Array, config.labels.length));
      }
      const m = classificationMetrics(predicted, val.labels, config.labels.length);
      const report = { epoch, trainLoss: lossSum / stepsPerEpoch, valAccuracy: m.accuracy, valMacroF1: m.macroF1, seconds: (Date.now() - t0) / 1000 };
      history.push(report);
      opts.onEpoch?.(report);
      const improved = !best || m.accuracy > best.acc;
      if (improved) best = { acc: m.accuracy, epoch, params: await session.getParams() };
      else if (epoch - best!.epoch >= patience) stoppedEarly = epoch < opts.epochs;
      const finished = stoppedEarly || epoch === opts.epochs;
      if (ckpt) await ckpt.save(session, { ...progress(epoch, stepsPerEpoch, lossSum), done: finished ? { stoppedEarly } : undefined }, improved ? best!.params : null, improved);
      if (stoppedEarly) break;
    }
  } finally {
    await session.close();
  }
  const out: Params = new Map();
  for (const [name, data] of best!.params) out.set(name, { data, dims: [...(g.findParam(name)!.dims)] });
  return { params: out, history, bestEpoch: best!.epoch, stoppedEarly, steps: step, exitWeights, resumedFrom };
}
