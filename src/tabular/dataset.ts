/**
 * The general tabular dataset: named features (numeric or categorical) stored column-major as
 * float32 (NaN = missing) with 0/1 labels. The tabular reader produces it, the GBDT trains on it,
 * the fraud case splits it, and a model directory's manifest lists its feature specs.
 */

export type FeatureType = 'numeric' | 'categorical';

export interface FeatureSpec {
  name: string;
  type: FeatureType;
  /** Categoricals: category strings; the feature value is the index (missing/unknown: NaN). */
  categories?: string[];
}

/** Column-major float32 features (NaN = missing), 0/1 labels. */
export interface TabularDataset {
  features: FeatureSpec[];
  /** One Float32Array per feature, each of length nRows. Categorical values are category indices. */
  columns: Float32Array[];
  labels: Uint8Array;
}
