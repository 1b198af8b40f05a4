/** Row subsets of a dataset (active-learning pools, federated shards, label budgets). */
import type { TabularDataset } from '../../tabular/dataset.js';

/** The rows `rows` (indices, in the given order) of `ds`, with the same features. */
export function selectRows<T extends TabularDataset>(ds: T, rows: ArrayLike<number>): TabularDataset {
  const n = rows.length;
  return {
    features: ds.features,
    columns: ds.columns.map((c) => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = c[rows[i]!]!;
      return out;
    }),
    labels: Uint8Array.from({ length: n }, (_, i) => ds.labels[rows[i]!]!),
  };
}
