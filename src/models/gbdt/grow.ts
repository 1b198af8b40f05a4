/**
 * Leaf-wise growth of one tree (as LightGBM does): repeatedly split the leaf whose best split gains
 * most, until maxLeaves, maxDepth or no split passes minGain / minDataInLeaf / minChildWeight.
 * Rows of each leaf are a contiguous segment of one index array (partitioned in place, stably);
 * only the smaller child's histogram is built, the larger one is parent minus smaller.
 */
import { MISSING_BIN } from './binning.js';
import { histSize, subtractHistogram } from './histogram.js';
import { HIST_STRIDE } from './histogram-layout.js';
import { decodeHistogram, decodeSum, packedTotal, type QuantScheme } from './grad-quant.js';
import type { GbdtParams, Tree } from './types.js';

export interface Split {
  gain: number;
  feature: number;
  bin: number;
  categorical: boolean;
  defaultLeft: boolean;
  gL: number;
  hL: number;
  cL: number;
}

interface Leaf {
  start: number;
  end: number;
  g: number;
  h: number;
  depth: number;
  hist: Float64Array | null;
  best: Split | null;
  /** Internal node and side that point at this leaf (-1 for the root). */
  parent: number;
  side: 0 | 1;
}

/** How the passes over rows (histograms, partitions) run: in this thread, or on workers too (see threads.ts). */
export interface HistogramBuilder {
  /** Fill `hist` (zeroed) with rows idx[start..end); `all` means idx is the identity (the root). */
  build(hist: Float64Array, start: number, end: number, all: boolean): void | Promise<void>;
  /**
   * One pass over all rows: the previous tree's leaf values added to the margins, logloss
   * gradients/hessians from them (positives weighted by w), and the root
   * histogram (counts from the cache) into `hist` (zeroed). Returns the summed logloss of the
   * updated margins when `withLoss` (else 0).
   */
  gradientsAndRoot(hist: Float64Array, n: number, withLoss: boolean): number | Promise<number>;
  /**
   * Stable partition of idx[start..end) by `feature`'s bin codes through the side table (see
   * partition.ts); returns the number of left rows. With `hist` (zeroed), also fills it with the
   * rows of the smaller side (left when smallLeft), in the same pass over the rows. `identity`:
   * the rows are 0..n-1 in order whatever idx holds (a tree's root after gradientsAndRoot).
   */
  partitionAndBuild(feature: number, start: number, end: number, smallLeft: boolean, hist: Float64Array | null, identity: boolean): number | Promise<number>;
  /** leafOf[idx[i]] = leaf for every position i of every leaf's segment of idx (covering 0..n). */
  assignLeaves(segments: { start: number; end: number }[], n: number): void | Promise<void>;
}

export interface GrowInput {
  nF: number;
  nBins: number[];
  categorical: boolean[];
  edges: Float32Array[];
  grad: Float32Array;
  hess: Float32Array;
  /** Row indices (a permutation of 0..n-1 is fine; it is reordered in place). */
  idx: Uint32Array;
  /** The 256-entry side table (1 = left) the builder's partition reads; filled here per split. */
  sideTable: Uint8Array;
  /** Rows in this tree: idx[0..nRows). */
  nRows: number;
  /** True when idx[0..nRows) is the identity 0..nRows-1 (all rows, in order): the root skips the index. */
  identity: boolean;
  params: GbdtParams;
  builder: HistogramBuilder;
  /** Reusable histogram buffers. */
  pool: Float64Array[];
  /** The root's histogram when already built (fused with the gradient pass); requires identity. */
  rootHist?: Float64Array;
  /** Set when gradients are quantised: histograms are packed (grad-quant.ts) and decoded for split finding. */
  quant?: QuantScheme;
}

export interface GrownTree {
  tree: Tree;
  /** Leaf segments into idx, so the caller can add leaf values to the training margins. */
  segments: { start: number; end: number }[];
}

function leafScore(g: number, h: number, lambda: number): number {
  return (g * g) / (h + lambda);
}

export function findBestSplit(hist: Float64Array, input: GrowInput, g: number, h: number, c: number): Split | null {
  const { params, nF, nBins, categorical } = input;
  const { lambda, minDataInLeaf, minChildWeight, minGain } = params;
  const parentScore = leafScore(g, h, lambda);
  let best: Split | null = null;
  let bestGain = minGain;
  for (let f = 0; f < nF; f++) {
    const off = f * HIST_STRIDE;
    const nb = nBins[f]!;
    if (nb < 2) continue;
    const mo = off + MISSING_BIN * 3;
    const gm = hist[mo]!;
    const hm = hist[mo + 1]!;
    const cm = hist[mo + 2]!;
    const hasMissing = cm > 0;
    if (categorical[f]) {
      // One-vs-rest: the category goes left, all others right; missing goes where it gains more.
      const last = Math.min(nb, 254);
      for (let b = 0; b < last; b++) {
        const o = off + b * 3;
        const gb = hist[o]!;
        const hb = hist[o + 1]!;
        const cb = hist[o + 2]!;
        if (cb === 0) continue;
        for (let ml = 0; ml < (hasMissing ? 2 : 1); ml++) {
          const gL = ml ? gb + gm : gb;
          const hL = ml ? hb + hm : hb;
          const cL = ml ? cb + cm : cb;
          const cR = c - cL;
          const hR = h - hL;
          if (cL < minDataInLeaf || cR < minDataInLeaf || hL < minChildWeight || hR < minChildWeight) continue;
          const gain = leafScore(gL, hL, lambda) + leafScore(g - gL, hR, lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, categorical: true, defaultLeft: ml === 1, gL, hL, cL };
          }
        }
      }
      continue;
    }
    let gL = 0;
    let hL = 0;
    let cL = 0;
    for (let b = 0; b < nb - 1; b++) {
      const o = off + b * 3;
      gL += hist[o]!;
      hL += hist[o + 1]!;
      cL += hist[o + 2]!;
      // Missing right.
      {
        const cR = c - cL;
        const hR = h - hL;
        if (cL >= minDataInLeaf && cR >= minDataInLeaf && hL >= minChildWeight && hR >= minChildWeight) {
          const gain = leafScore(gL, hL, lambda) + leafScore(g - gL, hR, lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, categorical: false, defaultLeft: false, gL, hL, cL };
          }
        }
      }
      if (hasMissing) {
        const gL2 = gL + gm;
        const hL2 = hL + hm;
        const cL2 = cL + cm;
        const cR = c - cL2;
        const hR = h - hL2;
        if (cL2 >= minDataInLeaf && cR >= minDataInLeaf && hL2 >= minChildWeight && hR >= minChildWeight) {
          const gain = leafScore(gL2, hL2, lambda) + leafScore(g - gL2, hR, lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, categorical: false, defaultLeft: true, gL: gL2, hL: hL2, cL: cL2 };
          }
        }
      }
    }
  }
  return best;
}

/**
 * Partition the leaf's rows by the split (left rows first) and build `hist` (when given) from the
 * smaller side's rows; returns the number of left rows.
 */
async function partition(input: GrowInput, leaf: Leaf, s: Split, smallLeft: boolean, hist: Float64Array | null, identity: boolean): Promise<number> {
  const table = input.sideTable;
  for (let c = 0; c < 256; c++) {
    table[c] = c === MISSING_BIN ? (s.defaultLeft ? 1 : 0) : s.categorical ? (c === s.bin ? 1 : 0) : c <= s.bin ? 1 : 0;
  }
  return input.builder.partitionAndBuild(s.feature, leaf.start, leaf.end, smallLeft, hist, identity);
}

function takeHist(input: GrowInput): Float64Array {
  const h = input.pool.pop();
  if (h) {
    h.fill(0);
    return h;
  }
  return new Float64Array(histSize(input.nF, input.quant !== undefined));
}

/** findBestSplit on a node's histogram; a packed (quantised) one is decoded into `scratch` first. */
function bestSplit(hist: Float64Array, input: GrowInput, scratch: Float64Array | null, g: number, h: number, c: number): Split | null {
  if (!input.quant) return findBestSplit(hist, input, g, h, c);
  decodeHistogram(hist, scratch!, input.nF, input.quant);
  return findBestSplit(scratch!, input, g, h, c);
}

function canSplit(leaf: Leaf, p: GbdtParams): boolean {
  return (p.maxDepth <= 0 || leaf.depth < p.maxDepth) && leaf.end - leaf.start >= 2 * p.minDataInLeaf;
}

export async function growTree(input: GrowInput): Promise<GrownTree> {
  const { params, grad, hess, nRows } = input;
  const lr = params.learningRate;
  const lambda = params.lambda;
  const tree: Tree = {
    feature: [], threshold: [], bin: [], kind: [], defaultLeft: [], left: [], right: [], gain: [],
    nodeValue: [], nodeCount: [], leafValue: [], leafCount: [],
  };
  let g = 0;
  let h = 0;
  const scratch = input.quant ? new Float64Array(histSize(input.nF)) : null;
  if (input.rootHist && input.quant) {
    [g, h] = decodeSum(packedTotal(input.rootHist), input.quant);
  } else if (input.rootHist) {
    // Totals from the root histogram (every row is in exactly one bin of feature 0, missing included).
    for (let b = 0; b < 256; b++) {
      g += input.rootHist[b * 3]!;
      h += input.rootHist[b * 3 + 1]!;
    }
  } else {
    const idx0 = input.idx;
    for (let i = 0; i < nRows; i++) {
      const r = input.identity ? i : idx0[i]!;
      g += grad[r]!;
      h += hess[r]!;
    }
  }
  const root: Leaf = { start: 0, end: nRows, g, h, depth: 0, hist: null, best: null, parent: -1, side: 0 };
  const leaves: Leaf[] = [root];
  if (params.maxLeaves > 1 && canSplit(root, params)) {
    if (input.rootHist) root.hist = input.rootHist;
    else {
      root.hist = takeHist(input);
      await input.builder.build(root.hist, 0, nRows, input.identity);
    }
    root.best = bestSplit(root.hist, input, scratch, g, h, nRows);
  } else if (input.rootHist) {
    input.pool.push(input.rootHist);
  }
  while (leaves.length < params.maxLeaves) {
    let pick = -1;
    let bestGain = -Infinity;
    for (let i = 0; i < leaves.length; i++) {
      const b = leaves[i]!.best;
      if (b && b.gain > bestGain) {
        bestGain = b.gain;
        pick = i;
      }
    }
    if (pick < 0) break;
    const leaf = leaves[pick]!;
    const s = leaf.best!;
    const node = tree.feature.length;
    tree.feature.push(s.feature);
    tree.bin.push(s.bin);
    tree.kind.push(s.categorical ? 1 : 0);
    tree.threshold.push(s.categorical ? s.bin : input.edges[s.feature]![s.bin]!);
    tree.defaultLeft.push(s.defaultLeft ? 1 : 0);
    tree.left.push(0);
    tree.right.push(0);
    tree.gain.push(s.gain);
    tree.nodeValue.push((-leaf.g / (leaf.h + lambda)) * lr);
    tree.nodeCount.push(leaf.end - leaf.start);
    if (leaf.parent >= 0) (leaf.side === 0 ? tree.left : tree.right)[leaf.parent] = node;

    // The split's left count (exact: a sum of row counts) says before partitioning which child is
    // smaller and whether either will be split, so the partition pass also builds the smaller
    // child's histogram.
    const nLeftExpected = s.cL;
    const left: Leaf = { start: leaf.start, end: leaf.start + nLeftExpected, g: s.gL, h: s.hL, depth: leaf.depth + 1, hist: null, best: null, parent: node, side: 0 };
    const right: Leaf = { start: leaf.start + nLeftExpected, end: leaf.end, g: leaf.g - s.gL, h: leaf.h - s.hL, depth: leaf.depth + 1, hist: null, best: null, parent: node, side: 1 };
    leaves[pick] = left;
    leaves.push(right);
    const parentHist = leaf.hist!;
    leaf.hist = null;
    const room = leaves.length < params.maxLeaves;
    const wantL = room && canSplit(left, params);
    const wantR = room && canSplit(right, params);
    const smallLeft = nLeftExpected <= leaf.end - leaf.start - nLeftExpected;
    const smallHist = wantL || wantR ? takeHist(input) : null;
    // The root's rows are the identity when its histogram came from gradientsAndRoot (idx is not reset).
    const nLeft = await partition(input, leaf, s, smallLeft, smallHist, node === 0 && input.rootHist !== undefined);
    if (nLeft !== nLeftExpected) throw new Error(`GBDT internal error: split sent ${nLeft} rows left, its histogram counted ${nLeftExpected}`);
    if (smallHist) {
      const [small, large] = smallLeft ? [left, right] : [right, left];
      subtractHistogram(parentHist, smallHist);
      small.hist = smallHist;
      large.hist = parentHist;
      for (const child of [left, right]) {
        if (child === left ? wantL : wantR) child.best = bestSplit(child.hist!, input, scratch, child.g, child.h, child.end - child.start);
        if (!child.best) {
          input.pool.push(child.hist!);
          child.hist = null;
        }
      }
    } else {
      input.pool.push(parentHist);
    }
  }
  for (const leaf of leaves) if (leaf.hist) input.pool.push(leaf.hist);
  const segments: { start: number; end: number }[] = [];
  leaves.forEach((leaf, i) => {
    tree.leafValue.push((-leaf.g / (leaf.h + lambda)) * lr);
    tree.leafCount.push(leaf.end - leaf.start);
    if (leaf.parent >= 0) (leaf.side === 0 ? tree.left : tree.right)[leaf.parent] = ~i;
    segments.push({ start: leaf.start, end: leaf.end });
  });
  return { tree, segments };
}
