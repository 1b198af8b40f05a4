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

/** Scratch second histogram for buildHistogram's two-way accumulation (per thread). */
let scratchIdx: Float64Array | null = null;

/**
 * Accumulate rows idx[start..end) into `hist` (which must be zeroed by the caller). Alternate rows
 * go to a second histogram, merged at the end, so that repeated bins do not serialise the adds.
 */
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
  const twoWay = end - start >= 4096;
  if (twoWay && (!scratchIdx || scratchIdx.length !== hist.length)) scratchIdx = new Float64Array(hist.length);
  let i = start;
  if (twoWay) {
    const other = scratchIdx!;
    other.fill(0);
    for (; i + 1 < end; i += 2) {
      const r0 = idx[i]!;
      const r1 = idx[i + 1]!;
      const g0 = grad[r0]!;
      const h0 = hess[r0]!;
      const g1 = grad[r1]!;
      const h1 = hess[r1]!;
      const b0 = r0 * nF;
      const b1 = r1 * nF;
      let off = 0;
      for (let f = 0; f < nF; f++, off += HIST_STRIDE) {
        const o0 = off + codes[b0 + f]! * 3;
        const o1 = off + codes[b1 + f]! * 3;
        hist[o0] += g0;
        hist[o0 + 1] += h0;
        hist[o0 + 2]++;
        other[o1] += g1;
        other[o1 + 1] += h1;
        other[o1 + 2]++;
      }
    }
    for (let k = 0; k < hist.length; k++) hist[k] += other[k]!;
  }
  for (; i < end; i++) {
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

/** Scratch second histogram for two-way accumulation, reused across calls (per thread). */
let scratch: Float64Array | null = null;

/**
 * Fused pass for rows start..end: first the previous tree's leaf value (leafValue[leafOf[r]]) is
 * added to the margin, then the logloss gradient and hessian come from it (positives weighted by w),
 * idx[r] = r, and the root histogram gets the g/h sums (no counts). Reading each row once instead of
 * in separate passes matters at a million rows, and the margin update becomes a sequential, parallel
 * pass instead of a serial scatter through the leaves' row segments. With `withLoss` it also returns
 * the rows' summed logloss (before this round's tree). Even and odd rows go to two histograms
 * (merged at the end): with few-valued features consecutive rows hit the same bin, and one histogram
 * would chain every add on the previous row's store.
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
): number {
  if (!scratch || scratch.length !== hist.length) scratch = new Float64Array(hist.length);
  const other = scratch;
  other.fill(0);
  let loss = 0;
  let base = start * nF;
  let r = start;
  for (; r + 1 < end; r += 2) {
    const m0 = margin[r]! + leafValue[leafOf[r]!]!;
    const m1 = margin[r + 1]! + leafValue[leafOf[r + 1]!]!;
    margin[r] = m0;
    margin[r + 1] = m1;
    const p0 = 1 / (1 + Math.exp(-m0));
    const p1 = 1 / (1 + Math.exp(-m1));
    const pos0 = labels[r] === 1;
    const pos1 = labels[r + 1] === 1;
    if (withLoss) loss += rowLoss(p0, pos0) + rowLoss(p1, pos1);
    const g0 = Math.fround((pos0 ? p0 - 1 : p0) * (pos0 ? w : 1));
    const h0 = Math.fround(Math.max(p0 * (1 - p0), 1e-16) * (pos0 ? w : 1));
    const g1 = Math.fround((pos1 ? p1 - 1 : p1) * (pos1 ? w : 1));
    const h1 = Math.fround(Math.max(p1 * (1 - p1), 1e-16) * (pos1 ? w : 1));
    grad[r] = g0;
    hess[r] = h0;
    grad[r + 1] = g1;
    hess[r + 1] = h1;
    idx[r] = r;
    idx[r + 1] = r + 1;
    const base1 = base + nF;
    let off = 0;
    for (let f = 0; f < nF; f++, off += HIST_STRIDE) {
      const o0 = off + codes[base + f]! * 3;
      const o1 = off + codes[base1 + f]! * 3;
      hist[o0] += g0;
      hist[o0 + 1] += h0;
      other[o1] += g1;
      other[o1 + 1] += h1;
    }
    base += 2 * nF;
  }
  for (; r < end; r++) {
    const m = margin[r]! + leafValue[leafOf[r]!]!;
    margin[r] = m;
    const p = 1 / (1 + Math.exp(-m));
    const pos = labels[r] === 1;
    if (withLoss) loss += rowLoss(p, pos);
    const g = Math.fround((pos ? p - 1 : p) * (pos ? w : 1));
    const h = Math.fround(Math.max(p * (1 - p), 1e-16) * (pos ? w : 1));
    grad[r] = g;
    hess[r] = h;
    idx[r] = r;
    let off = 0;
    for (let f = 0; f < nF; f++, off += HIST_STRIDE) {
      const o = off + codes[base++]! * 3;
      hist[o] += g;
      hist[o + 1] += h;
    }
  }
  for (let i = 0; i < hist.length; i++) hist[i] += other[i]!;
  return loss;
}

/** Unweighted logloss of one row with probability p (clamped as logloss() does). */
function rowLoss(p: number, pos: boolean): number {
  return pos ? -Math.log(Math.max(p, 1e-15)) : -Math.log(Math.max(1 - p, 1e-15));
}
