/**
 * Pruning: fewer trees (keep the first n, e.g. the early-stopping round) and fewer splits (collapse,
 * bottom-up, every split whose gain is below a threshold and whose children are both leaves into one
 * leaf carrying the node's own Newton value, recorded at training time).
 */
import type { GbdtModel, Tree } from './types.js';

export function truncateTrees(model: GbdtModel, nTrees: number): GbdtModel {
  return { ...model, trees: model.trees.slice(0, Math.max(0, nTrees)), bestIteration: Math.min(model.bestIteration, nTrees) };
}

export interface PruneResult {
  model: GbdtModel;
  splitsBefore: number;
  splitsAfter: number;
}

/** Collapse low-gain bottom splits until none below `minGain` remains. */
export function pruneLowGainSplits(model: GbdtModel, minGain: number): PruneResult {
  let before = 0;
  let after = 0;
  const trees = model.trees.map((t) => {
    before += t.feature.length;
    const p = pruneTree(t, minGain);
    after += p.feature.length;
    return p;
  });
  return { model: { ...model, trees }, splitsBefore: before, splitsAfter: after };
}

type Ref = { leaf: number } | { node: number };

function pruneTree(t: Tree, minGain: number): Tree {
  if (t.feature.length === 0) return t;
  // Work on an explicit structure, then renumber internal nodes (root first) and leaves.
  const leafVal: number[] = [...t.leafValue];
  const leafCnt: number[] = [...t.leafCount];
  const refOf = (c: number): Ref => (c < 0 ? { leaf: ~c } : { node: c });
  const collapse = (node: number): Ref => {
    const l = refOf(t.left[node]!);
    const r = refOf(t.right[node]!);
    const lr = 'node' in l ? collapse(l.node) : l;
    const rr = 'node' in r ? collapse(r.node) : r;
    kids.set(node, [lr, rr]);
    if ('leaf' in lr && 'leaf' in rr && t.gain[node]! < minGain) {
      leafVal.push(t.nodeValue[node]!);
      leafCnt.push(t.nodeCount[node]!);
      return { leaf: leafVal.length - 1 };
    }
    return { node };
  };
  const kids = new Map<number, [Ref, Ref]>();
  const root = collapse(0);
  const out: Tree = { feature: [], threshold: [], bin: [], kind: [], defaultLeft: [], left: [], right: [], gain: [], nodeValue: [], nodeCount: [], leafValue: [], leafCount: [] };
  if ('leaf' in root) {
    out.leafValue.push(leafVal[root.leaf]!);
    out.leafCount.push(leafCnt[root.leaf]!);
    return out;
  }
  const emit = (ref: Ref): number => {
    if ('leaf' in ref) {
      out.leafValue.push(leafVal[ref.leaf]!);
      out.leafCount.push(leafCnt[ref.leaf]!);
      return ~(out.leafValue.length - 1);
    }
    const n = ref.node;
    const id = out.feature.length;
    out.feature.push(t.feature[n]!); out.threshold.push(t.threshold[n]!); out.bin.push(t.bin[n]!); out.kind.push(t.kind[n]!);
    out.defaultLeft.push(t.defaultLeft[n]!); out.gain.push(t.gain[n]!); out.nodeValue.push(t.nodeValue[n]!); out.nodeCount.push(t.nodeCount[n]!);
    out.left.push(0); out.right.push(0);
    const [l, r] = kids.get(n)!;
    out.left[id] = emit(l);
    out.right[id] = emit(r);
    return id;
  };
  emit(root);
  return out;
}
