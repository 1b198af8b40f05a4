/**
 * Fine-tune (or train from scratch) DistilBertForSequenceClassification on the engine, like the
 * guide's §6.1 Trainer: AdamW (weight decay 0.01) with a linearly decaying learning rate, shuffled
 * batches padded to their longest row, evaluation on the validation set after each epoch, early
 * stopping with patience 1 on validation accuracy, and the best epoch's weights kept. The epochs,
 * schedule, early stopping, progress bar, meter spans and checkpoints are the engine's one training
 * loop (src/engine/fit/loop.ts); this file builds the graph, the batches and the evaluation.
 */
import { EarlyStopping } from '../../engine/fit/early-stopping.js';
import { fitLoop, type FitCheckpointer, type SpanSource, type StepInfo } from '../../engine/fit/loop.js';
import { linearWarmupDecay } from '../../engine/fit/schedules.js';
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
  onStep?: (info: StepInfo) => void;
  onEpoch?: (info: EpochReport) => void;
  /** Save resumable state every `every` steps and after each epoch; resume from what it loads. */
  checkpoint?: FitCheckpointer;
  /** Progress bar label (stderr); no bar without one. */
  label?: string;
  /** Meter tracker: one span per epoch's training and one per its evaluation. */
  tracker?: SpanSource;
}

export type { FitCheckpointer };

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  valAccuracy: number;
  valMacroF1: number;
  seconds: number;
  /** The epoch's training energy (with the meter's method label) when a tracker was given. */
  energyJ?: number;
  energyMethod?: string;
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
  // Early stopping on validation accuracy with patience 1 by default, like the guide's Trainer; the
  // best epoch's weights are the result (the caller takes them; the session is closed after).
  const es = new EarlyStopping({ patience: opts.patience ?? 1, mode: 'max' });
  const batchOf = (idx: number[]): Record<string, HostTensor> => {
    const { ids: bi, mask: bm } = padBatch(idx.map((i) => train.ids[i]), opts.padId);
    return { input_ids: bi, attention_mask: bm, labels: { dtype: 'int64', dims: [idx.length], data: BigInt64Array.from(idx.map((i) => BigInt(train.labels[i]))) } };
  };
  const toReport = (e: { epoch: number; trainLoss: number; seconds: number; eval?: Record<string, number>; energy?: { energyJ: number; method: string } }): EpochReport => ({
    epoch: e.epoch, trainLoss: e.trainLoss, valAccuracy: e.eval!.metric, valMacroF1: e.eval!.macroF1, seconds: e.seconds,
    ...(e.energy ? { energyJ: e.energy.energyJ, energyMethod: e.energy.method } : {}),
  });
  let run;
  try {
    run = await fitLoop(session, {
      epochs: opts.epochs,
      stepsPerEpoch,
      // The shuffle order is a function of (seed, epoch): a resumed run sees the same batches.
      // Dropout's generator lives inside ONNX Runtime and is not saved: a resumed run draws fresh masks.
      batches: function* (epoch, from) {
        const order = shuffled(train.ids.length, opts.seed + epoch);
        for (let b = from; b < stepsPerEpoch; b++) yield batchOf(order.slice(b * opts.batchSize, (b + 1) * opts.batchSize));
      },
      schedule: linearWarmupDecay(opts.lr, Math.round((opts.warmupFraction ?? 0) * totalSteps), totalSteps),
      evaluate: async () => {
        const predicted: number[] = [];
        for (let b = 0; b < val.ids.length; b += 64) {
          const { ids: bi, mask: bm } = padBatch(val.ids.slice(b, b + 64), opts.padId);
          const out = await session.evaluate({ input_ids: bi, attention_mask: bm }, { logits });
          predicted.push(...argmaxRows(out.logits.data as Float32Array, config.labels.length));
        }
        const m = classificationMetrics(predicted, val.labels, config.labels.length);
        return { metric: m.accuracy, macroF1: m.macroF1 };
      },
      earlyStopping: es,
      restoreBest: false,
      label: opts.label,
      metricName: 'val_acc',
      tracker: opts.tracker,
      checkpoint: opts.checkpoint,
      onStep: opts.onStep,
      onEpoch: opts.onEpoch && ((e) => opts.onEpoch!(toReport(e))),
    });
  } finally {
    await session.close();
  }
  const out: Params = new Map();
  for (const [name, data] of es.bestWeights!) out.set(name, { data, dims: [...(g.findParam(name)!.dims)] });
  return { params: out, history: run.history.map(toReport), bestEpoch: es.bestAt, stoppedEarly: run.stoppedEarly, steps: run.steps, exitWeights, resumedFrom: run.resumedFrom };
}
