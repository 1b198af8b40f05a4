/**
 * Types of verde's gradient-boosted decision trees (binary logloss). A model is plain JSON: trees as
 * flat arrays, thresholds as float32 values (compared as `x < threshold`, the ONNX BRANCH_LT rule),
 * and the bin index each threshold came from (so that 8-bit quantisation is exact).
 */

import type { FeatureSpec } from '../../tabular/dataset.js';

export interface GbdtParams {
  /** Boosting rounds (trees), default 100. */
  nTrees: number;
  /** Shrinkage applied to every leaf value, default 0.1. */
  learningRate: number;
  /** Maximum leaves per tree (leaf-wise growth), default 31. */
  maxLeaves: number;
  /** Maximum depth; 0 = unlimited (leaves bound the tree), default 0. */
  maxDepth: number;
  /** Minimum rows in each leaf, default 20. */
  minDataInLeaf: number;
  /** Minimum hessian sum in each leaf, default 1e-3. */
  minChildWeight: number;
  /** L2 regularisation on leaf values, default 1. */
  lambda: number;
  /** Minimum gain (loss reduction, G²/(H+λ) terms) for a split, default 0. */
  minGain: number;
  /** Histogram bins per feature, 2..255, default 255. */
  maxBins: number;
  /** Weight on positive rows' gradients (class weighting), default 1. */
  scalePosWeight: number;
  /** Stop when the validation metric has not improved for this many rounds (needs `valid`); 0 = off. Default 20. */
  earlyStoppingRounds: number;
  /** Validation metric for early stopping, default 'logloss'. */
  evalMetric: 'logloss' | 'auc';
  /** Initial margin: 'prior' (log-odds of the positive share, default) or a fixed margin (0 = XGBoost's base_score 0.5). */
  baseScore: 'prior' | number;
  /** Worker threads for histogram building (1 = in this thread), default 1. */
  threads: number;
  /**
   * Gradient-based one-side sampling (LightGBM's GOSS): each tree sees the topRate share of rows with
   * the largest |gradient| plus a random otherRate share of the rest (their gradients scaled up by
   * (1 - topRate) / otherRate). Off (null) by default.
   */
  goss: { topRate: number; otherRate: number } | null;
  /** Seed for GOSS sampling and the stochastic rounding of quantised gradients. Default 1. */
  seed: number;
  /**
   * Quantised gradients (LightGBM's use_quantized_grad): gradients and hessians stochastically
   * rounded to integers and packed into one number per row, so histograms cost one add per feature
   * instead of two or three (see grad-quant.ts). 'auto' (default): on from QUANTISE_MIN_ROWS rows
   * without GOSS, where it is faster at the same quality; true: whenever the row count allows
   * (ignored with GOSS); false: exact gradients.
   */
  quantisedGradients: boolean | 'auto';
}

/** 'auto' quantises gradients from this many training rows (below it the passes are cheap anyway). */
export const QUANTISE_MIN_ROWS = 200_000;

export const DEFAULT_PARAMS: GbdtParams = {
  nTrees: 100,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: 0,
  minDataInLeaf: 20,
  minChildWeight: 1e-3,
  lambda: 1,
  minGain: 0,
  maxBins: 255,
  scalePosWeight: 1,
  earlyStoppingRounds: 20,
  evalMetric: 'logloss',
  baseScore: 'prior',
  threads: 1,
  goss: null,
  seed: 1,
  quantisedGradients: 'auto',
};

/**
 * One tree. Internal nodes are 0..n-1 (node 0 is the root when n > 0); a child reference c >= 0 is
 * an internal node, c < 0 is leaf ~c. A tree with no split has one leaf and no internal nodes.
 */
export interface Tree {
  feature: number[];
  /** Numeric: left when x < threshold. Categorical: left when x == threshold (one-vs-rest). */
  threshold: number[];
  /** The histogram bin of the threshold (numeric: left when bin <= b; categorical: the category's bin). */
  bin: number[];
  /** 0 numeric, 1 categorical. */
  kind: number[];
  /** 1 when missing values (NaN) go left. */
  defaultLeft: number[];
  left: number[];
  right: number[];
  gain: number[];
  /** Newton value (already times the learning rate) the node would have as a leaf: used by pruning. */
  nodeValue: number[];
  nodeCount: number[];
  leafValue: number[];
  leafCount: number[];
}

export interface GbdtModel {
  format: 'verde-gbdt';
  formatVersion: 1;
  features: FeatureSpec[];
  /** Margin added before the trees (log-odds). */
  baseScore: number;
  trees: Tree[];
  params: GbdtParams;
  /** Per-feature bin edges (float32 values): edges[f][b] is the threshold of bin b. */
  binEdges: number[][];
  /** Number of trees kept (best validation round when early stopping ran). */
  bestIteration: number;
  /** Per round: training logloss (every 10th round, first and last; absent otherwise) and the validation metric. */
  history: { round: number; trainLogloss?: number; validMetric?: number }[];
  importance: { gain: number[]; splits: number[] };
}
