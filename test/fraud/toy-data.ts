/** Small seeded toy sets for the fraud-area tests: two overlapping Gaussian classes in d dimensions. */
import { seededRandom } from '../../src/util/random.js';
import type { Matrix } from '../../src/tabular/matrix.js';

export function blobs(rows: number, cols: number, positiveRate: number, seed: number, shift = 1.5): { x: Matrix; y: Uint8Array } {
  const rng = seededRandom(seed);
  const data = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = rng.next() < positiveRate ? 1 : 0;
    for (let c = 0; c < cols; c++) {
      // Only the first half of the columns carry signal; the rest is noise (as in real features).
      const signal = c < Math.ceil(cols / 2) && y[r] === 1 ? shift : 0;
      data[r * cols + c] = rng.normal() + signal;
    }
  }
  return { x: { data, rows, cols }, y };
}
