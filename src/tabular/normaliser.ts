/**
 * Feature standardisation with missing values: (x - mean) / std, computed over the finite values
 * only; a missing (NaN or infinite) value becomes 0 after standardising, i.e. the mean. Sums are
 * kept as plain statistics so federated clients can pool them without sharing rows.
 */
import type { Matrix } from './matrix.js';

export interface Normaliser {
  mean: Float32Array;
  std: Float32Array;
}

/** Per-column count, sum and sum of squares over finite values (poolable across sites). */
export interface ColumnStats {
  count: number[];
  sum: number[];
  sumSq: number[];
}

export function columnStats(m: Matrix): ColumnStats {
  const count = new Array(m.cols).fill(0);
  const sum = new Array(m.cols).fill(0);
  const sumSq = new Array(m.cols).fill(0);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[o + c];
      if (Number.isFinite(v)) { count[c]++; sum[c] += v; sumSq[c] += v * v; }
    }
  }
  return { count, sum, sumSq };
}

export function poolStats(parts: ColumnStats[]): ColumnStats {
  const cols = parts[0].count.length;
  const out: ColumnStats = { count: new Array(cols).fill(0), sum: new Array(cols).fill(0), sumSq: new Array(cols).fill(0) };
  for (const p of parts) for (let c = 0; c < cols; c++) { out.count[c] += p.count[c]; out.sum[c] += p.sum[c]; out.sumSq[c] += p.sumSq[c]; }
  return out;
}

export function normaliserFromStats(s: ColumnStats): Normaliser {
  const cols = s.count.length;
  const mean = new Float32Array(cols);
  const std = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    const n = s.count[c];
    const mu = n > 0 ? s.sum[c] / n : 0;
    const variance = n > 0 ? Math.max(0, s.sumSq[c] / n - mu * mu) : 0;
    mean[c] = mu;
    std[c] = variance > 1e-12 ? Math.sqrt(variance) : 1; // a constant column stays finite
  }
  return { mean, std };
}

export function fitNormaliser(m: Matrix): Normaliser {
  return normaliserFromStats(columnStats(m));
}

/** Standardised copy of one row into `out` (missing -> 0). */
export function normaliseRow(n: Normaliser, src: Float32Array, out: Float32Array): void {
  for (let c = 0; c < src.length; c++) {
    const v = src[c];
    out[c] = Number.isFinite(v) ? (v - n.mean[c]) / n.std[c] : 0;
  }
}
