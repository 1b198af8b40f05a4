/** Small seeded datasets for the GBDT tests. */
import { Prng } from '../../src/util/random.js';
import type { FeatureSpec, TabularDataset } from '../../src/tabular/dataset.js';

export function makeDataset(n: number, nF: number, seed: number, label: (x: number[], rng: Prng) => number, fill?: (f: number, rng: Prng) => number): TabularDataset {
  const rng = new Prng(seed);
  const columns = Array.from({ length: nF }, () => new Float32Array(n));
  const labels = new Uint8Array(n);
  const row: number[] = new Array(nF);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < nF; f++) {
      const v = Math.fround(fill ? fill(f, rng) : rng.uniform(-1, 1));
      columns[f]![i] = v;
      row[f] = v;
    }
    labels[i] = label(row, rng);
  }
  const features: FeatureSpec[] = columns.map((_, f) => ({ name: `x${f}`, type: 'numeric' }));
  return { features, columns, labels };
}
