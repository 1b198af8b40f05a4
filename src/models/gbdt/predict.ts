/**
 * Scoring with a trained model on raw float32 feature values (NaN = missing), with exactly the
 * comparisons the ONNX export makes: numeric `x < threshold` (BRANCH_LT), categorical
 * `x == category` (BRANCH_EQ), NaN to the learned default side.
 */
import type { GbdtModel, Tree } from './types.js';

/** Leaf value of one tree for row `r` of a row-major matrix with `nF` columns. */
export function treeValue(tree: Tree, x: Float32Array, base: number): number {
  if (tree.feature.length === 0) return tree.leafValue[0]!;
  let node = 0;
  for (;;) {
    const v = x[base + tree.feature[node]!]!;
    let goLeft: boolean;
    if (v !== v) goLeft = tree.defaultLeft[node] === 1;
    else if (tree.kind[node] === 1) goLeft = v === tree.threshold[node];
    else goLeft = v < tree.threshold[node]!;
    const next = goLeft ? tree.left[node]! : tree.right[node]!;
    if (next < 0) return tree.leafValue[~next]!;
    node = next;
  }
}

/**
 * Raw margins (log-odds) for `n` rows of a row-major float32 matrix `x` (n * nFeatures).
 * `nTrees` limits the trees used (default: all the model keeps).
 */
export function predictMargin(model: GbdtModel, x: Float32Array, nTrees = model.trees.length): Float64Array {
  const nF = model.features.length;
  if (x.length % nF !== 0) throw new RangeError(`feature matrix length ${x.length} is not a multiple of ${nF} features`);
  const n = x.length / nF;
  const out = new Float64Array(n).fill(model.baseScore);
  const trees = model.trees.slice(0, nTrees);
  for (let r = 0; r < n; r++) {
    const base = r * nF;
    let s = out[r]!;
    for (const t of trees) s += treeValue(t, x, base);
    out[r] = s;
  }
  return out;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** One row's log loss for probability p of the positive class, clipped at 1e-15 (as scikit-learn). */
export function rowLogLoss(p: number, positive: boolean): number {
  return positive ? -Math.log(Math.max(p, 1e-15)) : -Math.log(Math.max(1 - p, 1e-15));
}

/** Probability of the positive class for each row of the row-major matrix `x`. */
export function predictProba(model: GbdtModel, x: Float32Array, nTrees?: number): Float64Array {
  const m = predictMargin(model, x, nTrees);
  for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i]!);
  return m;
}

/** Column-major columns (as in TabularDataset) to a row-major matrix (as ONNX and predict take). */
export function toRowMajor(columns: Float32Array[], rows?: ArrayLike<number>): Float32Array {
  const nF = columns.length;
  const n = rows ? rows.length : nF ? columns[0]!.length : 0;
  const x = new Float32Array(n * nF);
  for (let f = 0; f < nF; f++) {
    const col = columns[f]!;
    if (rows) for (let i = 0; i < n; i++) x[i * nF + f] = col[rows[i]!]!;
    else for (let i = 0; i < n; i++) x[i * nF + f] = col[i]!;
  }
  return x;
}
