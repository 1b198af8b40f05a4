/**
 * Gradient histograms: for every feature and bin, the sums of gradients, hessians and row counts of
 * a node's rows. Layout: hist[(f * 256 + bin) * 3 + {0: g, 1: h, 2: count}] in a Float64Array; with
 * quantised gradients hist[(f * 256 + bin) * 2 + {0: packed g/h, 1: count}] (grad-quant.ts).
 * Row-major codes make one pass over the node's rows touch each row's codes once (as XGBoost's hist
 * method does); the sibling's histogram comes from subtraction, never from the rows.
 */
import { kernels } from './histogram-kernels.js';
import { quantisedGradients } from './grad-quant.js';
import { rowLogLoss } from './predict.js';
import { HIST_STRIDE, Q_HIST_STRIDE } from './histogram-layout.js';


export function histSize(nFeatures: number, quantised = false): number {
  return nFeatures * (quantised ? Q_HIST_STRIDE : HIST_STRIDE);
}

/** Accumulate rows idx[start..end) into `hist` (which must be zeroed by the caller). */
export function buildHistogram(
  hist: Float64Array,
  codes: Uint8Array,
  nF: number,
  grad: Float32Array,
  hess: Float32Array,
  idx: Uint32Array,
  start: number,
  end: number,
  active?: readonly number[],
): void {
  kernels(nF, active).indexed(hist, codes, grad, hess, idx, start, end);
}

/**
 * Rows start..end in order (the root over all rows): no index indirection, and no counts: the root's
 * bin counts are the same every round, so they are computed once (rootCounts) and copied in.
 */
export function buildHistogramAll(hist: Float64Array, codes: Uint8Array, nF: number, grad: Float32Array, hess: Float32Array, start: number, end: number, active?: readonly number[]): void {
  kernels(nF, active).all(hist, codes, grad, hess, start, end);
}

/**
 * Bin counts of all rows, per feature (the count slots of the root histogram), from the code columns.
 * Four rows at a time into four tables, summed at the end: with one table, runs of the same code
 * (most rows of a categorical feature) chain every increment on the previous one's store. Measured
 * on the bench's 1M rows x 15 features (7 calls each, interleaved, bench lock): 53-57 ms with one
 * table, 28-33 ms with four.
 */
export function rootCounts(codesByFeature: Uint8Array[]): Float64Array {
  const counts = new Float64Array(codesByFeature.length * 256);
  const t = new Int32Array(1024);
  codesByFeature.forEach((c, f) => {
    t.fill(0);
    const n = c.length;
    let r = 0;
    for (const n4 = n & ~3; r < n4; r += 4) {
      t[c[r]!]++;
      t[256 + c[r + 1]!]++;
      t[512 + c[r + 2]!]++;
      t[768 + c[r + 3]!]++;
    }
    for (; r < n; r++) t[c[r]!]++;
    for (let b = 0, off = f * 256; b < 256; b++) counts[off + b] = t[b]! + t[256 + b]! + t[512 + b]! + t[768 + b]!;
  });
  return counts;
}

/** Write the cached root counts into a histogram's count slots (3 slots per bin, or 2 when quantised). */
export function setCounts(hist: Float64Array, counts: Float64Array, quantised = false): void {
  if (quantised) for (let i = 0; i < counts.length; i++) hist[i * 2 + 1] = counts[i]!;
  else for (let i = 0; i < counts.length; i++) hist[i * 3 + 2] = counts[i]!;
}

/** parent -= child, in place: the parent's buffer becomes the sibling's histogram. */
export function subtractHistogram(parent: Float64Array, child: Float64Array): void {
  for (let i = 0; i < parent.length; i++) parent[i] -= child[i]!;
}

/** Rows per block of the gradient pass: its gradients are still in L1 when the histogram reads them. */
export const GRADIENT_BLOCK = 4096;

/**
 * One pass over rows start..end, block by block: first the previous tree's leaf value
 * (leafValue[leafOf[r]]) is added to the margin, then the logloss gradient and hessian come from it
 * (positives weighted by w); then the block goes into the root histogram (g/h sums, no
 * counts). Reading each row once instead of in separate passes matters at a million rows, and the
 * margin update becomes a sequential, parallel pass instead of a serial scatter through the leaves'
 * row segments. Blocks rather than one loop: the unrolled histogram kernel stays small (measured
 * 1.5x faster than one fused loop). With `withLoss` it also returns the rows' summed logloss
 * (before this round's tree).
 */
export function gradientsAndRootHistogram(
  hist: Float64Array,
  codes: Uint8Array,
  nF: number,
  margin: Float64Array,
  leafOf: Uint16Array,
  leafValue: Float64Array,
  labels: Uint8Array,
  w: number,
  grad: Float32Array,
  hess: Float32Array,
  idx: Uint32Array,
  start: number,
  end: number,
  withLoss: boolean,
  active?: readonly number[],
): number {
  const k = kernels(nF, active);
  let loss = 0;
  for (let s = start; s < end; s += GRADIENT_BLOCK) {
    const e = Math.min(end, s + GRADIENT_BLOCK);
    loss += gradients(margin, leafOf, leafValue, labels, w, grad, hess, idx, s, e, withLoss);
    k.all(hist, codes, grad, hess, s, e);
  }
  return loss;
}

function gradients(margin: Float64Array, leafOf: Uint16Array, leafValue: Float64Array, labels: Uint8Array, w: number, grad: Float32Array, hess: Float32Array, idx: Uint32Array, start: number, end: number, withLoss: boolean): number {
  let loss = 0;
  for (let r = start; r < end; r++) {
    const m = margin[r]! + leafValue[leafOf[r]!]!;
    margin[r] = m;
    const p = 1 / (1 + Math.exp(-m));
    const pos = labels[r] === 1;
    if (withLoss) loss += rowLogLoss(p, pos);
    grad[r] = (pos ? p - 1 : p) * (pos ? w : 1);
    hess[r] = Math.max(p * (1 - p), 1e-16) * (pos ? w : 1);
  }
  return loss;
}

/** gradientsAndRootHistogram with quantised, packed gradients (grad-quant.ts) into gh. */
export function quantisedGradientsAndRoot(
  hist: Float64Array, codes: Uint8Array, nF: number, expNeg: Float64Array, leafOf: Uint16Array, leafExp: Float64Array,
  labels: Uint8Array, w: number, gh: Float64Array, start: number, end: number, withLoss: boolean, q: Float64Array, active?: readonly number[],
): number {
  const k = kernels(nF, active);
  let loss = 0;
  for (let s = start; s < end; s += GRADIENT_BLOCK) {
    const e = Math.min(end, s + GRADIENT_BLOCK);
    loss += quantisedGradients(expNeg, leafOf, leafExp, labels, w, gh, s, e, withLoss, q[0]!, q[1]!, q[2]!, q[3]!);
    k.qAll(hist, codes, gh, s, e);
  }
  return loss;
}

/** Rows per block of touchAheadHistogram: their code lines and gradients stay in L1 until the kernel reads them. */
const TOUCH_BLOCK = 64;
/** Below this share of rows over the rows' span, a node's rows are thin enough for touchAheadHistogram. */
export const THIN_NODE_DENSITY = 0.04;
let touchSink = 0;

/**
 * The quantised indexed histogram (qIndexed) of rows[start..end) in blocks of TOUCH_BLOCK rows,
 * each first "touched": a tight loop loads every row's first and last code byte and its packed
 * gradient, so the block's cache misses overlap (many in flight) instead of a few at a time
 * behind the kernel's ~40 instructions per row; the kernel then reads them from L1. Pays only
 * where rows are scattered thinly (each row its own cache lines). Measured ns/row (real codes,
 * random ascending row subsets of 1M rows, 13 features): density 0.005: 101 -> 70, 0.01: 101 -> 71,
 * 0.02: 91 -> 71, 0.05: 68 -> 63, 0.1: 62 -> 78 (worse: the plain kernel's misses already overlap).
 * In training only ~30% of the small-child rows are in nodes this thin, so the whole-training gain is
 * small: 1M rows, 30 trees, 2 threads, interleaved against the build without it (and without
 * placeRight) in one process, on a loaded machine: 0.95-1.01x wall, 0.95-1.0x CPU (16 runs each).
 * Touching every node regardless of density was slower.
 */
export function touchAheadHistogram(hist: Float64Array, codes: Uint8Array, nF: number, gh: Float64Array, rows: Uint32Array, start: number, end: number, active: readonly number[]): void {
  const k = kernels(nF, active);
  let s = 0;
  for (let b0 = start; b0 < end; b0 += TOUCH_BLOCK) {
    const b1 = Math.min(end, b0 + TOUCH_BLOCK);
    for (let j = b0; j < b1; j++) {
      const r = rows[j]!;
      const o = r * nF;
      s += codes[o]! + codes[o + nF - 1]! + gh[r]!;
    }
    k.qIndexed(hist, codes, gh, rows, b0, b1);
  }
  // Kept so the touching loads are not dropped as dead code.
  touchSink += s;
}

/** Rows per spanned row of the ascending rows[start..end) (1 when contiguous). */
export function rowDensity(rows: Uint32Array, start: number, end: number): number {
  return end > start ? (end - start) / (rows[end - 1]! - rows[start]! + 1) : 1;
}
