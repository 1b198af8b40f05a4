/**
 * The one row softmax (predict, serve's inference worker, early-exit evaluation all use it):
 * per row, the max is subtracted before exp (no overflow), exps are summed in float64 in column
 * order, and each exp is divided by the sum.
 */

/** Softmax of each row of a row-major [rows, cols] array, in place. */
export function softmaxRowsInPlace(values: Float32Array | Float64Array | number[], rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, values[r * cols + c]!);
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(values[r * cols + c]! - max);
      values[r * cols + c] = e;
      sum += e;
    }
    for (let c = 0; c < cols; c++) values[r * cols + c]! /= sum;
  }
}

/** Row-wise softmax of [rows, cols] logits, computed in float64: one array of probabilities per row. */
export function softmaxRows(logits: ArrayLike<number>, rows: number, cols: number): number[][] {
  const p = Float64Array.from({ length: rows * cols }, (_, i) => logits[i]!);
  softmaxRowsInPlace(p, rows, cols);
  return Array.from({ length: rows }, (_, r) => Array.from(p.subarray(r * cols, (r + 1) * cols)));
}

/** Index of the first largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
