/**
 * Train the linear text classifier on verde's engine: the graph of model.ts differentiated in
 * TypeScript, AdamW steps run by ONNX Runtime in a worker thread (like the transformer), on
 * already featurised texts (hashed n-gram ids). Keeps the epoch with the best validation accuracy.
 * Epochs, best-epoch keeping, progress bar, meter spans and checkpoints: src/engine/fit/loop.ts.
 */
import { TrainingSession, type HostTensor } from '../../engine/index.js';
import { EarlyStopping } from '../../engine/fit/early-stopping.js';
import { fitLoop, type FitCheckpointer, type SpanSource, type StepInfo } from '../../engine/fit/loop.js';
import { epochOrder, seededRandom } from '../../util/random.js';
import { linearTextForward, linearTextTrainingGraph, type LinearTextModel } from './model.js';

export interface LinearTextFitOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  seed?: number;
  threads?: number;
  onStep?: (info: StepInfo) => void;
  onEpoch?: (e: { epoch: number; loss: number; valAccuracy: number }) => void;
  /** Progress bar label (stderr); no bar without one. */
  label?: string;
  /** Meter tracker: one span per epoch's training and one per its evaluation. */
  tracker?: SpanSource;
  /** Save resumable state every `every` steps and after each epoch; resume from what it loads. */
  checkpoint?: FitCheckpointer;
}

export interface LinearTextFit {
  model: LinearTextModel;
  history: { epoch: number; loss: number; valAccuracy: number }[];
  bestEpoch: number;
  steps: number;
}

export const LINEAR_TEXT_FIT_DEFAULTS = { epochs: 5, batchSize: 32, lr: 0.05, weightDecay: 1e-4 } as const;

function accuracy(m: LinearTextModel, docs: number[][], labels: number[]): number {
  const logits = linearTextForward(m, docs);
  let ok = 0;
  logits.forEach((l, i) => { let best = 0; for (let k = 1; k < l.length; k++) if (l[k] > l[best]) best = k; if (best === labels[i]) ok++; });
  return docs.length ? ok / docs.length : 0;
}

function padBatch(rows: number[][]): { ids: HostTensor; mask: HostTensor } {
  const len = Math.max(1, ...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * len);
  const mask = new BigInt64Array(rows.length * len);
  rows.forEach((r, i) => r.forEach((v, j) => { ids[i * len + j] = BigInt(v); mask[i * len + j] = 1n; }));
  return { ids: { dtype: 'int64', dims: [rows.length, len], data: ids }, mask: { dtype: 'int64', dims: [rows.length, len], data: mask } };
}

export async function fitLinearText(
  init: { hashDim: number; labels: string[]; idf: Float32Array },
  train: { ids: number[][]; labels: number[] },
  val: { ids: number[][]; labels: number[] },
  opts: LinearTextFitOptions = {},
): Promise<LinearTextFit> {
  const epochs = opts.epochs ?? LINEAR_TEXT_FIT_DEFAULTS.epochs;
  const batchSize = opts.batchSize ?? LINEAR_TEXT_FIT_DEFAULTS.batchSize;
  const seed = opts.seed ?? 0;
  const c = init.labels.length;
  // Zero weights: the loss is convex, so no symmetry to break and the start is the prior.
  const start: LinearTextModel = { ...init, weight: new Float32Array(init.hashDim * c), bias: new Float32Array(c) };
  const { graph, loss } = linearTextTrainingGraph(start, seed);
  const session = await TrainingSession.create(graph, { loss, optimizer: { type: 'adamw', lr: opts.lr ?? LINEAR_TEXT_FIT_DEFAULTS.lr, weightDecay: opts.weightDecay ?? LINEAR_TEXT_FIT_DEFAULTS.weightDecay } }, { threads: opts.threads ?? 1 });
  const stepsPerEpoch = Math.ceil(train.ids.length / batchSize);
  // One shuffle of the order per epoch, in turn, replayed up to the epoch asked for (resume).
  const rng = seededRandom(seed + 11);
  const orderAt = epochOrder(train.ids.length, rng);
  const order = orderAt(0);
  const modelOf = (p: Map<string, Float32Array>): LinearTextModel => ({ ...init, weight: Float32Array.from(p.get('weight')!), bias: Float32Array.from(p.get('bias')!) });
  // Best epoch by validation accuracy, kept without stopping.
  const es = new EarlyStopping({ patience: Infinity, mode: 'max' });
  try {
    const run = await fitLoop(session, {
      epochs,
      stepsPerEpoch,
      batches: function* (epoch, from) {
        orderAt(epoch);
        for (let b = from; b < stepsPerEpoch; b++) {
          const idx = order.slice(b * batchSize, (b + 1) * batchSize);
          const { ids, mask } = padBatch(idx.map((i) => train.ids[i]));
          const labels: HostTensor = { dtype: 'int64', dims: [idx.length], data: BigInt64Array.from(idx.map((i) => BigInt(train.labels[i]))) };
          yield { input_ids: ids, attention_mask: mask, labels };
        }
      },
      evaluate: async () => ({ metric: accuracy(modelOf(await session.getParams()), val.ids, val.labels) }),
      earlyStopping: es,
      restoreBest: false,
      label: opts.label,
      metricName: 'val_acc',
      tracker: opts.tracker,
      checkpoint: opts.checkpoint,
      onStep: opts.onStep,
      onEpoch: opts.onEpoch && ((e) => opts.onEpoch!({ epoch: e.epoch, loss: e.trainLoss, valAccuracy: e.eval!.metric })),
    });
    const history = run.history.map((e) => ({ epoch: e.epoch, loss: e.trainLoss, valAccuracy: e.eval!.metric }));
    return { model: modelOf(es.bestWeights!), history, bestEpoch: es.bestAt, steps: run.steps };
  } finally {
    await session.close();
  }
}
