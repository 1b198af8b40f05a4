/**
 * Build and slice the case's splits: a row-major matrix (small models, ONNX) and the GBDT's
 * column-major dataset over the same rows, kept together so both always see identical data.
 */
import type { FeatureSpec, TabularDataset } from '../../tabular/dataset.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { Split } from './context.js';

export function splitFromColumns(features: FeatureSpec[], columns: Float32Array[], labels: Uint8Array): Split {
  const rows = labels.length;
  const cols = features.length;
  const data = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const col = columns[c];
    for (let r = 0; r < rows; r++) data[r * cols + c] = col[r];
  }
  return { ds: { features, columns, labels }, x: { data, rows, cols }, y: labels };
}

export function splitFromMatrix(features: FeatureSpec[], x: Matrix, y: Uint8Array): Split {
  const columns = features.map((_, c) => {
    const col = new Float32Array(x.rows);
    for (let r = 0; r < x.rows; r++) col[r] = x.data[r * x.cols + c];
    return col;
  });
  return { ds: { features, columns, labels: y }, x, y };
}

/** The rows at `indices` (in that order) of a split. */
export function takeSplit(s: Split, indices: ArrayLike<number>): Split {
  const columns = s.ds.columns.map((col) => {
    const out = new Float32Array(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = col[indices[i]];
    return out;
  });
  const y = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) y[i] = s.y[indices[i]];
  return splitFromColumns(s.ds.features, columns, y);
}

/** The first `n` rows (splits are in time order, so this is the earliest stretch). */
export function headSplit(s: Split, n: number): Split {
  if (n >= s.y.length) return s;
  return takeSplit(s, Array.from({ length: n }, (_, i) => i));
}

export function positives(y: ArrayLike<number>): number {
  let p = 0;
  for (let i = 0; i < y.length; i++) p += y[i] === 1 ? 1 : 0;
  return p;
}

export function concatSplits(parts: Split[]): Split {
  const features = parts[0].ds.features;
  const n = parts.reduce((s, p) => s + p.y.length, 0);
  const columns = features.map((_, c) => {
    const out = new Float32Array(n);
    let off = 0;
    for (const p of parts) { out.set(p.ds.columns[c], off); off += p.y.length; }
    return out;
  });
  const y = new Uint8Array(n);
  let off = 0;
  for (const p of parts) { y.set(p.y, off); off += p.y.length; }
  return splitFromColumns(features, columns, y);
}

export type { TabularDataset };
