/** Row subsets of a dataset (active-learning pools, federated shards, label budgets). */
import type { GbdtDataset } from '../../models/gbdt/types.js';

/** The rows `rows` (indices, in the given order) of `ds`, with the same features. */
export function selectRows<T extends GbdtDataset>(ds: T, rows: ArrayLike<number>): GbdtDataset {
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
