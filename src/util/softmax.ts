/** Row-wise softmax of [rows, cols] logits, computed in float64 with the max subtracted (no overflow). */
export function softmaxRows(logits: ArrayLike<number>, rows: number, cols: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits[r * cols + c]!);
    const e = Array.from({ length: cols }, (_, c) => Math.exp(logits[r * cols + c]! - max));
    const sum = e.reduce((a, b) => a + b, 0);
    out.push(e.map((v) => v / sum));
  }
  return out;
}

export function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
