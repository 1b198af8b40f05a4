/**
 * A dense row-major float32 matrix: the plain shape in which the fraud case hands features to the
 * small models, active learning and federated clients (the tabular reader's columns are packed
 * into one). Missing values are NaN.
 */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const d = data ?? new Float32Array(rows * cols);
  if (d.length !== rows * cols) throw new Error(`matrix: ${d.length} values for ${rows}x${cols}`);
  return { data: d, rows, cols };
}

/** The rows at `indices`, copied into a new matrix (in that order). */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { data: out, rows: indices.length, cols: m.cols };
}

export function takeValues<T extends Float32Array | Uint8Array | Float64Array>(v: T, indices: ArrayLike<number>): T {
  const out = new (v.constructor as { new (n: number): T })(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = v[indices[i]];
  return out;
}

export function row(m: Matrix, r: number): Float32Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}
