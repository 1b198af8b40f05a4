/**
 * Histogram binning: each feature's values become uint8 bin codes. Numeric bin edges are quantiles
 * of the (float32) data, taken from the data's own values so that `code <= b` is exactly
 * `x < edges[b]` for any float32 x, which is what ONNX Runtime compares. Code 255 is reserved for
 * missing values (NaN) in every feature.
 */
import type { FeatureSpec } from './types.js';

export const MISSING_BIN = 255;
/** Categories beyond this index share one bin that is never split on. */
export const OTHER_CATEGORY_BIN = 254;

export interface BinMapper {
  /** Per feature: bins in use (values 0..nBins-1; plus MISSING_BIN). */
  nBins: number[];
  /** Per feature: numeric edges (length nBins-1); empty for categoricals. */
  edges: Float32Array[];
  categorical: boolean[];
}

/** Values sampled per feature for the quantile edges (LightGBM samples 200k; 100k keeps ~400 per bin). */
const SAMPLE = 100_000;

/** Quantile edges for each feature from (about 100k evenly spaced) non-missing values. */
export function fitBins(columns: Float32Array[], features: FeatureSpec[], maxBins = 255): BinMapper {
  if (maxBins < 2 || maxBins > 255) throw new RangeError(`maxBins must be 2..255 (got ${maxBins})`);
  const nBins: number[] = [];
  const edges: Float32Array[] = [];
  const categorical: boolean[] = [];
  columns.forEach((col, f) => {
    if (features[f]!.type === 'categorical') {
      let maxIndex = -1;
      for (let i = 0; i < col.length; i++) {
        const v = col[i]!;
        if (v === v && v > maxIndex) maxIndex = v;
      }
      const declared = features[f]!.categories?.length ?? 0;
      nBins.push(Math.max(1, Math.min(OTHER_CATEGORY_BIN + 1, Math.max(declared, Math.floor(maxIndex) + 1))));
      edges.push(new Float32Array(0));
      categorical.push(true);
      return;
    }
    const stride = Math.max(1, Math.floor(col.length / SAMPLE));
    const buf = new Float32Array(Math.ceil(col.length / stride));
    let k = 0;
    for (let i = 0; i < col.length; i += stride) {
      const v = col[i]!;
      if (v === v) buf[k++] = v;
    }
    const sorted = buf.subarray(0, k).sort();
    const unique: number[] = [];
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) unique.push(sorted[i]!);
    let e: number[];
    if (unique.length <= maxBins) {
      e = unique.slice(1);
    } else {
      // Quantile cut points, each an actual data value (so no float rounding moves a value across it).
      e = [];
      for (let b = 1; b < maxBins; b++) {
        const v = sorted[Math.floor((b * sorted.length) / maxBins)]!;
        if (v > unique[0]! && (e.length === 0 || v > e[e.length - 1]!)) e.push(v);
      }
    }
    edges.push(Float32Array.from(e));
    nBins.push(e.length + 1);
    categorical.push(false);
  });
  return { nBins, edges, categorical };
}

/** Bin of one value for feature f. */
export function binValue(mapper: BinMapper, f: number, v: number): number {
  if (v !== v) return MISSING_BIN;
  if (mapper.categorical[f]) {
    if (v < 0 || !Number.isInteger(v)) return MISSING_BIN;
    return v >= OTHER_CATEGORY_BIN ? OTHER_CATEGORY_BIN : v;
  }
  const e = mapper.edges[f]!;
  // Number of edges <= v (upper bound).
  let lo = 0;
  let hi = e.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (e[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Row-major uint8 codes (row r, feature f at r * nFeatures + f): histogram building reads a row's codes together. */
export function binRowMajor(mapper: BinMapper, columns: Float32Array[]): Uint8Array {
  const nF = columns.length;
  const n = nF === 0 ? 0 : columns[0]!.length;
  const codes = new Uint8Array(n * nF);
  for (let f = 0; f < nF; f++) {
    const col = columns[f]!;
    if (mapper.categorical[f]) {
      for (let r = 0; r < n; r++) codes[r * nF + f] = binValue(mapper, f, col[r]!);
      continue;
    }
    // Fixed-step (branch-free) search over the edges padded to 255 with +Infinity: count of edges <= v.
    const ep = new Float32Array(256).fill(Infinity);
    ep.set(mapper.edges[f]!);
    for (let r = 0, o = f; r < n; r++, o += nF) {
      const v = col[r]!;
      if (v !== v) {
        codes[o] = MISSING_BIN;
        continue;
      }
      let lo = 0;
      lo = ep[lo + 127]! <= v ? lo + 128 : lo;
      lo = ep[lo + 63]! <= v ? lo + 64 : lo;
      lo = ep[lo + 31]! <= v ? lo + 32 : lo;
      lo = ep[lo + 15]! <= v ? lo + 16 : lo;
      lo = ep[lo + 7]! <= v ? lo + 8 : lo;
      lo = ep[lo + 3]! <= v ? lo + 4 : lo;
      lo = ep[lo + 1]! <= v ? lo + 2 : lo;
      lo = ep[lo]! <= v ? lo + 1 : lo;
      codes[o] = lo;
    }
  }
  return codes;
}
