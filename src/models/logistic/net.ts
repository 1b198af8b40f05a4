/**
 * A small feed-forward binary classifier written in plain TypeScript: logistic regression when
 * `hidden` is empty, a ReLU MLP otherwise. It is what federated clients train (no native engine
 * per child process needed, and its weights are a few KB to ship), and the compact student of
 * distillation. Trained with Adam on (optionally soft, optionally class-weighted) cross-entropy.
 * Exported to ONNX by ./onnx.ts with the same standardisation and missing-value handling.
 */
import type { Matrix } from '../../tabular/matrix.js';
import { fitNormaliser, normaliseRow, type Normaliser } from '../../tabular/normaliser.js';
import { epochOrder, seededRandom } from '../../util/random.js';
import { fitLoop, type FitCheckpointer, type SpanSource, type Trainable } from '../../engine/fit/loop.js';
import { readSafetensors, writeSafetensors } from '../../engine/safetensors.js';
import type { HostTensor } from '../../engine/types.js';
import { UserError } from '../../util/errors.js';

export interface Layer {
  /** out x in, row-major. */
  w: Float32Array;
  b: Float32Array;
  in: number;
  out: number;
}

export interface NamedTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** L2 penalty on weights (not biases). */
  l2?: number;
  /** Weight of positive examples in the loss (class weighting for rare fraud). 1 = none. */
  positiveWeight?: number;
  seed?: number;
  /** Called after each epoch (0-based) with the mean loss per row. */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Progress bar label (stderr); no bar without one (federated clients and students train quietly). */
  label?: string;
  /** Meter tracker: one span per epoch. */
  tracker?: SpanSource;
  /** Save resumable state (weights, Adam moments, step) every `every` steps and after each epoch. */
  checkpoint?: FitCheckpointer;
}

/** A batch of the plain-TypeScript trainer: rows [start, end) of the epoch's order. */
interface RowRange {
  start: number;
  end: number;
}

export class SmallNet {
  constructor(readonly layers: Layer[], public normaliser: Normaliser) {}

  /** He-initialised weights (seeded) for `inputs` features and the given hidden widths. */
  static create(inputs: number, hidden: number[] = [], seed = 0): SmallNet {
    const rng = seededRandom(seed);
    const widths = [inputs, ...hidden, 1];
    const layers: Layer[] = [];
    for (let l = 0; l < widths.length - 1; l++) {
      const fanIn = widths[l];
      const out = widths[l + 1];
      const w = new Float32Array(out * fanIn);
      const scale = Math.sqrt(2 / fanIn);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * scale * (l === widths.length - 2 ? 0.1 : 1);
      layers.push({ w, b: new Float32Array(out), in: fanIn, out });
    }
    return new SmallNet(layers, { mean: new Float32Array(inputs), std: new Float32Array(inputs).fill(1) });
  }

  get inputs(): number { return this.layers[0].in; }
  get hidden(): number[] { return this.layers.slice(0, -1).map((l) => l.out); }
  get parameterCount(): number { return this.layers.reduce((s, l) => s + l.w.length + l.b.length, 0); }

  /** Weights as named tensors, in a fixed order (what FedAvg averages and ships). */
  tensors(): NamedTensor[] {
    return this.layers.flatMap((l, i) => [
      { name: `w${i}`, dims: [l.out, l.in], data: l.w },
      { name: `b${i}`, dims: [l.out], data: l.b },
    ]);
  }

  setTensors(ts: NamedTensor[]): void {
    const mine = this.tensors();
    if (ts.length !== mine.length) throw new Error(`SmallNet: ${ts.length} tensors, expected ${mine.length}`);
    mine.forEach((t, i) => {
      if (ts[i].data.length !== t.data.length) throw new Error(`SmallNet: tensor ${t.name} has ${ts[i].data.length} values, expected ${t.data.length}`);
      t.data.set(ts[i].data);
    });
  }

  clone(): SmallNet {
    return new SmallNet(
      this.layers.map((l) => ({ ...l, w: l.w.slice(), b: l.b.slice() })),
      { mean: this.normaliser.mean.slice(), std: this.normaliser.std.slice() },
    );
  }

  /** Forward one standardised row; fills activations per layer (post-ReLU), returns the logit. */
  private forward(x: Float32Array, acts: Float32Array[]): number {
    let input = x;
    for (let l = 0; l < this.layers.length; l++) {
      const { w, b, in: nin, out } = this.layers[l];
      const a = acts[l];
      const last = l === this.layers.length - 1;
      for (let o = 0; o < out; o++) {
        let s = b[o];
        const off = o * nin;
        for (let i = 0; i < nin; i++) s += w[off + i] * input[i];
        a[o] = last || s > 0 ? s : 0;
      }
      input = a;
    }
    return acts[this.layers.length - 1][0];
  }

  private activations(): Float32Array[] {
    return this.layers.map((l) => new Float32Array(l.out));
  }

  /** Fraud probability per row. */
  predict(m: Matrix): Float32Array {
    if (m.cols !== this.inputs) throw new Error(`SmallNet: ${m.cols} features, model expects ${this.inputs}`);
    const out = new Float32Array(m.rows);
    const x = new Float32Array(m.cols);
    const acts = this.activations();
    for (let r = 0; r < m.rows; r++) {
      normaliseRow(this.normaliser, m.data.subarray(r * m.cols, (r + 1) * m.cols), x);
      out[r] = 1 / (1 + Math.exp(-this.forward(x, acts)));
    }
    return out;
  }

  /** Fit the standardisation to `m` (skip when it was set from pooled federated statistics). */
  fitNormaliser(m: Matrix): void {
    this.normaliser = fitNormaliser(m);
  }

  /**
   * Train on targets in [0, 1] (hard labels or a teacher's probabilities) through the engine's
   * training loop (src/engine/fit/loop.ts). Returns the last epoch's mean loss per row. Mini-batch
   * Adam; backprop by hand (the model is tiny), one seeded shuffle of the row order per epoch.
   */
  async train(m: Matrix, targets: ArrayLike<number>, opts: TrainOptions = {}): Promise<number> {
    const epochs = opts.epochs ?? 5;
    const batch = opts.batchSize ?? 256;
    const lr = opts.learningRate ?? 0.01;
    const l2 = opts.l2 ?? 1e-5;
    const posW = opts.positiveWeight ?? 1;
    const rng = seededRandom(opts.seed ?? 0);
    const named = this.tensors();
    const params = named.map((t) => t.data);
    const grads = params.map((p) => new Float32Array(p.length));
    const m1 = params.map((p) => new Float32Array(p.length));
    const m2 = params.map((p) => new Float32Array(p.length));
    const acts = this.activations();
    const deltas = this.layers.map((l) => new Float32Array(l.out));
    const x = new Float32Array(m.cols);
    const orderAt = epochOrder(m.rows, rng);
    const order = orderAt(0);
    // The epoch's loss summed row by row in one running sum (the loop's per-step means would round
    // differently); reset when an epoch starts.
    let rowLossSum = 0;
    let step = 0;
    const model: Trainable<RowRange> = {
      get step() {
        return step;
      },
      trainStep: async ({ start, end }) => {
        for (const g of grads) g.fill(0);
        let weightSum = 0;
        const before = rowLossSum;
        for (let k = start; k < end; k++) {
          const r = order[k];
          normaliseRow(this.normaliser, m.data.subarray(r * m.cols, (r + 1) * m.cols), x);
          const z = this.forward(x, acts);
          const t = targets[r];
          const p = 1 / (1 + Math.exp(-z));
          const sw = 1 + (posW - 1) * t;
          weightSum += sw;
          // Cross-entropy on the logit, written stably.
          rowLossSum += sw * (Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z))));
          this.backward(x, acts, deltas, grads, sw * (p - t));
        }
        step++;
        this.adam(params, grads, m1, m2, step, lr, l2, weightSum);
        return { loss: (rowLossSum - before) / Math.max(1, end - start) };
      },
      getParams: async () => {
        return new Map(named.map((t) => [t.name, t.data.slice()]));
      },
      setParams: async (values) => {
        for (const t of named) t.data.set(values.get(t.name)!);
      },
      saveCheckpoint: async (path, metadata = {}) => {
        const tensors = new Map<string, HostTensor>();
        named.forEach((t, i) => {
          tensors.set(t.name, { dtype: 'float32', dims: t.dims, data: t.data });
          tensors.set(`${t.name}::m`, { dtype: 'float32', dims: t.dims, data: m1[i] });
          tensors.set(`${t.name}::v`, { dtype: 'float32', dims: t.dims, data: m2[i] });
        });
        await writeSafetensors(path, tensors, { ...metadata, step: String(step) });
      },
      loadCheckpoint: async (path) => {
        const { tensors, metadata } = await readSafetensors(path);
        named.forEach((t, i) => {
          for (const [name, into] of [[t.name, t.data], [`${t.name}::m`, m1[i]], [`${t.name}::v`, m2[i]]] as const) {
            const got = tensors.get(name);
            if (!got || got.data.length !== into.length) throw new UserError(`${path}: checkpoint has no ${into.length}-value tensor "${name}" for this network`);
            into.set(got.data as Float32Array);
          }
        });
        step = Number(metadata.step);
      },
    };
    const stepsPerEpoch = Math.ceil(m.rows / batch);
    let lastLoss = NaN;
    await fitLoop(model, {
      epochs,
      stepsPerEpoch,
      batches: function* (epoch, from) {
        orderAt(epoch);
        if (from === 0) rowLossSum = 0;
        for (let b = from; b < stepsPerEpoch; b++) yield { start: b * batch, end: Math.min(m.rows, (b + 1) * batch) };
      },
      label: opts.label,
      tracker: opts.tracker,
      checkpoint: opts.checkpoint,
      onEpoch: (e) => {
        lastLoss = rowLossSum / m.rows;
        opts.onEpoch?.(e.epoch - 1, lastLoss);
      },
    });
    return lastLoss;
  }

  private backward(x: Float32Array, acts: Float32Array[], deltas: Float32Array[], grads: Float32Array[], dLogit: number): void {
    const L = this.layers.length;
    deltas[L - 1][0] = dLogit;
    for (let l = L - 1; l >= 0; l--) {
      const { w, in: nin, out } = this.layers[l];
      const input = l === 0 ? x : acts[l - 1];
      const gw = grads[2 * l];
      const gb = grads[2 * l + 1];
      const d = deltas[l];
      for (let o = 0; o < out; o++) {
        const dv = d[o];
        if (dv === 0) continue;
        gb[o] += dv;
        const off = o * nin;
        for (let i = 0; i < nin; i++) gw[off + i] += dv * input[i];
      }
      if (l > 0) {
        const prev = deltas[l - 1];
        const prevAct = acts[l - 1];
        for (let i = 0; i < nin; i++) {
          if (prevAct[i] <= 0) { prev[i] = 0; continue; } // ReLU gate
          let s = 0;
          for (let o = 0; o < out; o++) s += w[o * nin + i] * d[o];
          prev[i] = s;
        }
      }
    }
  }

  private adam(params: Float32Array[], grads: Float32Array[], m1: Float32Array[], m2: Float32Array[], step: number, lr: number, l2: number, norm: number): void {
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - Math.pow(b1, step);
    const c2 = 1 - Math.pow(b2, step);
    for (let k = 0; k < params.length; k++) {
      const p = params[k];
      const g = grads[k];
      const isWeight = k % 2 === 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] / norm + (isWeight ? l2 * p[i] : 0);
        m1[k][i] = b1 * m1[k][i] + (1 - b1) * gi;
        m2[k][i] = b2 * m2[k][i] + (1 - b2) * gi * gi;
        p[i] -= (lr * (m1[k][i] / c1)) / (Math.sqrt(m2[k][i] / c2) + 1e-8);
      }
    }
  }
}
