/**
 * The deep MLP baseline of the guide's "LightGBM instead of a deep network" (§5): a ReLU MLP
 * (default 256-128-64) trained on verde's engine (graph built and differentiated in TypeScript,
 * AdamW steps run by ONNX Runtime in a worker thread). Inputs are standardised with missing
 * values at the mean; the exported ONNX graph includes that step, so it takes raw features.
 * Epochs, best-epoch keeping, progress bar, meter spans and checkpoints: src/engine/fit/loop.ts.
 */
import { Graph, Rng, TrainingSession, linearLayer, op, type HostTensor, type Linear } from '../../engine/index.js';
import { EarlyStopping } from '../../engine/fit/early-stopping.js';
import { fitLoop, type FitCheckpointer, type SpanSource } from '../../engine/fit/loop.js';
import type { Matrix } from '../../tabular/matrix.js';
import { fitNormaliser, normaliseRow, type Normaliser } from '../../tabular/normaliser.js';
import { SmallNet } from '../logistic/net.js';
import { smallNetToOnnx } from '../logistic/onnx.js';
import { epochOrder, seededRandom } from '../../util/random.js';
import { prAuc } from '../../metrics/ranking.js';

export interface DeepMlpOptions {
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  /** Loss weight of fraud rows (class weighting). */
  positiveWeight?: number;
  seed?: number;
  threads?: number;
  /** Keep the epoch with the best validation PR-AUC (needs `valid`). */
  valid?: { x: Matrix; y: Uint8Array };
  onEpoch?: (epoch: number, loss: number, validPrAuc?: number) => void;
  /** Progress bar label (stderr); no bar without one. */
  label?: string;
  /** Meter tracker: one span per epoch's training and one per its evaluation. */
  tracker?: SpanSource;
  /** Save resumable state every `every` steps and after each epoch; resume from what it loads. */
  checkpoint?: FitCheckpointer;
}

export interface DeepMlp {
  /** The trained weights as a plain-TS network (same layout), for scoring and export. */
  net: SmallNet;
  onnx: Uint8Array;
  epochsRun: number;
  bestEpoch: number;
  history: { epoch: number; loss: number; validPrAuc?: number }[];
}

function standardised(x: Matrix, n: Normaliser): Float32Array {
  const out = new Float32Array(x.data.length);
  for (let r = 0; r < x.rows; r++) normaliseRow(n, x.data.subarray(r * x.cols, (r + 1) * x.cols), out.subarray(r * x.cols, (r + 1) * x.cols));
  return out;
}

export async function trainDeepMlp(train: { x: Matrix; y: Uint8Array }, opts: DeepMlpOptions = {}): Promise<DeepMlp> {
  const hidden = opts.hidden ?? [256, 128, 64];
  const epochs = opts.epochs ?? 5;
  const batch = opts.batchSize ?? 512;
  const seed = opts.seed ?? 0;
  const d = train.x.cols;
  const normaliser = fitNormaliser(train.x);
  const xs = standardised(train.x, normaliser);

  const rng = new Rng(seed);
  const g = new Graph('fraud-deep-mlp', { seed });
  const x = g.input('x', 'float32', ['batch', d]);
  const y = g.input('y', 'float32', ['batch', 1]);
  const widths = [d, ...hidden, 1];
  const layers: Linear[] = [];
  for (let l = 0; l < widths.length - 1; l++) layers.push(linearLayer(g, `fc${l}`, widths[l], widths[l + 1], rng));
  let h = x;
  layers.forEach((layer, l) => { h = layer(h); if (l < layers.length - 1) h = op.relu(h); });
  const loss = op.bceWithLogits(h, y, { posWeight: opts.positiveWeight ?? 1 });
  const session = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: opts.learningRate ?? 1e-3, weightDecay: opts.weightDecay ?? 1e-4 } }, { threads: opts.threads ?? 1 });

  const toNet = async (): Promise<SmallNet> => {
    const params = await session.getParams();
    const net = SmallNet.create(d, hidden, seed);
    net.normaliser = normaliser;
    net.setTensors(net.tensors().map((t, i) => ({ ...t, data: params.get(`fc${Math.floor(i / 2)}.${i % 2 === 0 ? 'weight' : 'bias'}`)! })));
    return net;
  };
  // One shuffle of the row order per epoch, in turn (the order carries over), replayed up to the
  // epoch asked for so that a resumed run sees the same batches. The last partial batch is dropped
  // unless it is the only one.
  const orderAt = epochOrder(train.x.rows, seededRandom(seed + 7));
  const order = orderAt(0);
  const rows = order.length;
  const stepsPerEpoch = rows >= batch ? Math.floor(rows / batch) : rows > 0 ? 1 : 0;
  const batchAt = (start: number): Record<string, HostTensor> => {
    const n = Math.min(batch, rows - start);
    const xb = new Float32Array(n * d);
    const yb = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = order[start + i];
      xb.set(xs.subarray(r * d, (r + 1) * d), i * d);
      yb[i] = train.y[r];
    }
    return { x: { dtype: 'float32', dims: [n, d], data: xb }, y: { dtype: 'float32', dims: [n, 1], data: yb } };
  };
  // Best epoch by validation PR-AUC, kept without stopping (the guide's comparison runs every epoch).
  const es = opts.valid ? new EarlyStopping({ patience: Infinity, mode: 'max' }) : undefined;
  try {
    const run = await fitLoop(session, {
      epochs,
      stepsPerEpoch,
      batches: function* (epoch, from) {
        orderAt(epoch);
        for (let b = from; b < stepsPerEpoch; b++) yield batchAt(b * batch);
      },
      evaluate: opts.valid && (async () => ({ metric: prAuc((await toNet()).predict(opts.valid!.x), opts.valid!.y) })),
      earlyStopping: es,
      label: opts.label,
      metricName: 'valid_pr_auc',
      tracker: opts.tracker,
      checkpoint: opts.checkpoint,
      onEpoch: (e) => opts.onEpoch?.(e.epoch, e.trainLoss, e.eval?.metric),
    });
    const net = await toNet(); // the best epoch's weights when validated (the loop restored them), else the last
    const history = run.history.map((e) => (e.eval ? { epoch: e.epoch, loss: e.trainLoss, validPrAuc: e.eval.metric } : { epoch: e.epoch, loss: e.trainLoss }));
    return { net, onnx: smallNetToOnnx(net, 'fraud-deep-mlp'), epochsRun: epochs, bestEpoch: run.best?.epoch ?? epochs, history };
  } finally {
    await session.close();
  }
}
