/**
 * Gradient histograms: for every feature and bin, the sums of gradients, hessians and row counts of
 * a node's rows. Layout: hist[(f * 256 + bin) * 3 + {0: g, 1: h, 2: count}] in a Float64Array.
 * Row-major codes make one pass over the node's rows touch each row's codes once (as XGBoost's hist
 * method does); the sibling's histogram comes from subtraction, never from the rows.
 */

export const HIST_STRIDE = 256 * 3;

export function histSize(nFeatures: number): number {
  return nFeatures * HIST_STRIDE;
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
): void {
  for (let i = start; i < end; i++) {
    const r = idx[i]!;
    const g = grad[r]!;
    const h = hess[r]!;
    let base = r * nF;
    let off = 0;
    for (let f = 0; f < nF; f++, off += HIST_STRIDE) {
      const o = off + codes[base++]! * 3;
      hist[o] += g;
      hist[o + 1] += h;
      hist[o + 2]++;
    }
  }
}

/**
 * Rows start..end in order (the root over all rows): no index indirection, and no counts: the root's
 * bin counts are the same every round, so they are computed once (rootCounts) and copied in.
 */
export function buildHistogramAll(hist: Float64Array, codes: Uint8Array, nF: number, grad: Float32Array, hess: Float32Array, start: number, end: number): void {
  let base = start * nF;
  for (let r = start; r < end; r++) {
    const g = grad[r]!;
    const h = hess[r]!;
    let off = 0;
    for (let f = 0; f < nF; f++, off += HIST_STRIDE) {
      const o = off + codes[base++]! * 3;
      hist[o] += g;
      hist[o + 1] += h;
    }
  }
}

/** Bin counts of all rows, per feature (the count slots of the root histogram). */
export function rootCounts(codes: Uint8Array, nF: number, nRows: number): Float64Array {
  const counts = new Float64Array(nF * 256);
  let base = 0;
  for (let r = 0; r < nRows; r++) for (let f = 0; f < nF; f++) counts[f * 256 + codes[base++]!]++;
  return counts;
}

/** Write the cached root counts into a histogram's count slots. */
export function setCounts(hist: Float64Array, counts: Float64Array): void {
  for (let i = 0; i < counts.length; i++) hist[i * 3 + 2] = counts[i]!;
}

/** parent -= child, in place: the parent's buffer becomes the sibling's histogram. */
export function subtractHistogram(parent: Float64Array, child: Float64Array): void {
  for (let i = 0; i < parent.length; i++) parent[i] -= child[i]!;
}

/**
 * Fused pass for rows start..end: logloss gradient and hessian from the margin (positives weighted
 * by w), idx[r] = r, and the root histogram's g/h sums (no counts). Reading each row once instead of
 * twice matters at a million rows.
 */
export function gradientsAndRootHistogram(
  hist: Float64Array,
  codes: Uint8Array,
  nF: number,
  margin: Float64Array,
  labels: Uint8Array,
  w: number,
  grad: Float32Array,
  hess: Float32Array,
  idx: Uint32Array,
  start: number,
  end: number,
): void {
  let base = start * nF;
  for (let r = start; r < end; r++) {
    const p = 1 / (1 + Math.exp(-margin[r]!));
    const pos = labels[r] === 1;
    const wr = pos ? w : 1;
    const gf = Math.fround((pos ? p - 1 : p) * wr);
    const hf = Math.fround(Math.max(p * (1 - p), 1e-16) * wr);
    grad[r] = gf;
    hess[r] = hf;
    idx[r] = r;
    let off = 0;
    for (let f = 0; f < nF; f++, off += HIST_STRIDE) {
      const o = off + codes[base++]! * 3;
      hist[o] += gf;
      hist[o + 1] += hf;
    }
  }
}
