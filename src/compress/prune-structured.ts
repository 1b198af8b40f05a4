/**
 * Structured pruning of DistilBERT: whole attention heads and whole FFN neurons are removed, so
 * the q/k/v/out_lin and lin1/lin2 matrices physically shrink and every forward does less work
 * (unlike unstructured zeros). Importance is the weight norm of what a unit owns — a head's rows
 * of q/k/v plus its columns of out_lin; a neuron's lin1 row times its lin2 column — with head
 * scores normalised per layer (Michel et al. 2019) so layers compete fairly. Heads are ranked
 * across all layers (each layer keeps at least one); neurons are pruned per layer. Removed heads
 * are recorded in HF's `pruned_heads` so Transformers loads the result too.
 */
import { type DistilBertConfig, headDim } from '../models/distilbert/config.js';
import { P, type Params, paramShapes } from '../models/distilbert/params.js';

export interface StructuredOptions {
  /** Fraction of all attention heads to remove (default 0.3). */
  headFraction?: number;
  /** Fraction of each layer's FFN neurons to remove (default 0.3). */
  neuronFraction?: number;
}

export interface StructuredReport {
  headsBefore: number[];
  headsAfter: number[];
  hiddenBefore: number[];
  hiddenAfter: number[];
  paramsBefore: number;
  paramsAfter: number;
  importance: 'weight-norm';
}

function sqNormRows(w: Float32Array, cols: number, from: number, to: number): number {
  let s = 0;
  for (let i = from * cols; i < to * cols; i++) s += w[i] * w[i];
  return s;
}

function sqNormCols(w: Float32Array, rows: number, cols: number, from: number, to: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) for (let c = from; c < to; c++) s += w[r * cols + c] ** 2;
  return s;
}

/** Keep rows `keep` (sorted) of a [rows, cols] matrix or of a vector (cols = 1). */
function keepRows(w: Float32Array, cols: number, keep: number[]): Float32Array {
  const out = new Float32Array(keep.length * cols);
  keep.forEach((r, i) => out.set(w.subarray(r * cols, (r + 1) * cols), i * cols));
  return out;
}

function keepCols(w: Float32Array, rows: number, cols: number, keep: number[]): Float32Array {
  const out = new Float32Array(rows * keep.length);
  for (let r = 0; r < rows; r++) keep.forEach((c, i) => (out[r * keep.length + i] = w[r * cols + c]));
  return out;
}

const count = (p: Params) => [...p.values()].reduce((n, t) => n + t.data.length, 0);

/** Returns a new, smaller config and params; the inputs are not modified. */
export function pruneStructured(c: DistilBertConfig, params: Params, opts: StructuredOptions = {}): { config: DistilBertConfig; params: Params; report: StructuredReport } {
  const headFraction = opts.headFraction ?? 0.3;
  const neuronFraction = opts.neuronFraction ?? 0.3;
  const dh = headDim(c);
  const D = c.dim;
  const get = (n: string) => params.get(n)!.data;

  // Head scores, normalised by the layer's mean score.
  const heads: { layer: number; head: number; score: number }[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const h = c.layerHeads[l];
    const raw: number[] = [];
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (const m of ['q_lin', 'k_lin', 'v_lin']) s += sqNormRows(get(P.layer(l, `attention.${m}.weight`)), D, j * dh, (j + 1) * dh);
      s += sqNormCols(get(P.layer(l, 'attention.out_lin.weight')), D, h * dh, j * dh, (j + 1) * dh);
      raw.push(Math.sqrt(s));
    }
    const mean = raw.reduce((a, b) => a + b, 0) / Math.max(h, 1) || 1;
    raw.forEach((s, j) => heads.push({ layer: l, head: j, score: s / mean }));
  }
  const totalHeads = heads.length;
  let toRemove = Math.round(headFraction * totalHeads);
  const removed = new Set<string>();
  const left = [...c.layerHeads];
  for (const h of [...heads].sort((a, b) => a.score - b.score)) {
    if (toRemove === 0) break;
    if (left[h.layer] <= 1) continue;
    removed.add(`${h.layer}:${h.head}`);
    left[h.layer]--;
    toRemove--;
  }

  const out: Params = new Map();
  for (const [n, p] of params) out.set(n, { data: p.data, dims: [...p.dims] });
  const prunedHeads: Record<number, number[]> = {};
  for (const [k, v] of Object.entries(c.prunedHeads)) prunedHeads[Number(k)] = [...v];
  const layerHeads: number[] = [];
  const layerHiddenDims: number[] = [];

  for (let l = 0; l < c.nLayers; l++) {
    const h = c.layerHeads[l];
    // Original head ids of the heads still present, in order (for HF's pruned_heads).
    const gone = new Set(prunedHeads[l] ?? []);
    const originalIds = Array.from({ length: c.nHeads }, (_, i) => i).filter((i) => !gone.has(i));
    const keepHeads = Array.from({ length: h }, (_, j) => j).filter((j) => !removed.has(`${l}:${j}`));
    const keepDims = keepHeads.flatMap((j) => Array.from({ length: dh }, (_, d) => j * dh + d));
    for (const m of ['q_lin', 'k_lin', 'v_lin']) {
      const w = P.layer(l, `attention.${m}.weight`), b = P.layer(l, `attention.${m}.bias`);
      out.set(w, { data: keepRows(get(w), D, keepDims), dims: [keepDims.length, D] });
      out.set(b, { data: keepRows(get(b), 1, keepDims), dims: [keepDims.length] });
    }
    const ow = P.layer(l, 'attention.out_lin.weight');
    out.set(ow, { data: keepCols(get(ow), D, h * dh, keepDims), dims: [D, keepDims.length] });
    const newlyGone = Array.from({ length: h }, (_, j) => j).filter((j) => removed.has(`${l}:${j}`)).map((j) => originalIds[j]);
    if (newlyGone.length) prunedHeads[l] = [...(prunedHeads[l] ?? []), ...newlyGone].sort((a, b) => a - b);
    layerHeads.push(keepHeads.length);

    // FFN neurons: importance = ||lin1 row|| * ||lin2 column||, lowest removed per layer.
    const H = c.layerHiddenDims[l];
    const w1 = P.layer(l, 'ffn.lin1.weight'), b1 = P.layer(l, 'ffn.lin1.bias'), w2 = P.layer(l, 'ffn.lin2.weight');
    const scores = Array.from({ length: H }, (_, j) => Math.sqrt(sqNormRows(get(w1), D, j, j + 1) * sqNormCols(get(w2), D, H, j, j + 1)));
    const drop = new Set(Array.from({ length: H }, (_, j) => j).sort((a, b) => scores[a] - scores[b]).slice(0, Math.min(Math.round(neuronFraction * H), H - 1)));
    const keepN = Array.from({ length: H }, (_, j) => j).filter((j) => !drop.has(j));
    out.set(w1, { data: keepRows(get(w1), D, keepN), dims: [keepN.length, D] });
    out.set(b1, { data: keepRows(get(b1), 1, keepN), dims: [keepN.length] });
    out.set(w2, { data: keepCols(get(w2), D, H, keepN), dims: [D, keepN.length] });
    layerHiddenDims.push(keepN.length);
  }
  const config: DistilBertConfig = { ...c, layerHeads, layerHiddenDims, prunedHeads };
  // Sanity: the result has exactly the shapes the new config implies.
  for (const [n, dims] of paramShapes(config)) {
    const got = out.get(n)!.dims;
    if (got.join(',') !== dims.join(',')) throw new Error(`pruneStructured: ${n} is [${got}], expected [${dims}]`);
  }
  return {
    config,
    params: out,
    report: {
      headsBefore: [...c.layerHeads],
      headsAfter: layerHeads,
      hiddenBefore: [...c.layerHiddenDims],
      hiddenAfter: layerHiddenDims,
      paramsBefore: count(params),
      paramsAfter: count(out),
      importance: 'weight-norm',
    },
  };
}
