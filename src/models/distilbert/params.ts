/**
 * DistilBertForSequenceClassification's parameters under Hugging Face's names, with the shapes a
 * config implies (per-layer head counts and FFN widths included), seeded random initialisation as
 * in Transformers (normal 0.02 for Linear/Embedding weights, zero biases, LayerNorm 1/0), and a
 * shape check against the config for loaded checkpoints.
 */
import { fail } from '../../util/errors.js';
import { type DistilBertConfig, headDim } from './config.js';
import { gaussian, mulberry32 } from '../../util/random.js';

export interface Param {
  data: Float32Array;
  dims: number[];
}
export type Params = Map<string, Param>;

export const P = {
  word: 'distilbert.embeddings.word_embeddings.weight',
  pos: 'distilbert.embeddings.position_embeddings.weight',
  embLnW: 'distilbert.embeddings.LayerNorm.weight',
  embLnB: 'distilbert.embeddings.LayerNorm.bias',
  layer: (l: number, rest: string) => `distilbert.transformer.layer.${l}.${rest}`,
  preW: 'pre_classifier.weight',
  preB: 'pre_classifier.bias',
  clsW: 'classifier.weight',
  clsB: 'classifier.bias',
};

/** Linear sub-module names inside a layer, for pruning and quantisation. */
export const LAYER_LINEARS = ['attention.q_lin', 'attention.k_lin', 'attention.v_lin', 'attention.out_lin', 'ffn.lin1', 'ffn.lin2'];

/** Every parameter name with its expected shape. */
export function paramShapes(c: DistilBertConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  const D = c.dim;
  s.set(P.word, [c.vocabSize, D]);
  s.set(P.pos, [c.maxPositions, D]);
  s.set(P.embLnW, [D]);
  s.set(P.embLnB, [D]);
  for (let l = 0; l < c.nLayers; l++) {
    const A = c.layerHeads[l] * headDim(c);
    const H = c.layerHiddenDims[l];
    for (const n of ['q_lin', 'k_lin', 'v_lin']) {
      s.set(P.layer(l, `attention.${n}.weight`), [A, D]);
      s.set(P.layer(l, `attention.${n}.bias`), [A]);
    }
    s.set(P.layer(l, 'attention.out_lin.weight'), [D, A]);
    s.set(P.layer(l, 'attention.out_lin.bias'), [D]);
    s.set(P.layer(l, 'sa_layer_norm.weight'), [D]);
    s.set(P.layer(l, 'sa_layer_norm.bias'), [D]);
    s.set(P.layer(l, 'ffn.lin1.weight'), [H, D]);
    s.set(P.layer(l, 'ffn.lin1.bias'), [H]);
    s.set(P.layer(l, 'ffn.lin2.weight'), [D, H]);
    s.set(P.layer(l, 'ffn.lin2.bias'), [D]);
    s.set(P.layer(l, 'output_layer_norm.weight'), [D]);
    s.set(P.layer(l, 'output_layer_norm.bias'), [D]);
  }
  s.set(P.preW, [D, D]);
  s.set(P.preB, [D]);
  s.set(P.clsW, [c.labels.length, D]);
  s.set(P.clsB, [c.labels.length]);
  return s;
}

/** Names of all Linear weights ([out, in] matrices), the ones L1 pruning and int8 touch. */
export function linearWeightNames(c: DistilBertConfig): string[] {
  const names: string[] = [];
  for (let l = 0; l < c.nLayers; l++) for (const m of LAYER_LINEARS) names.push(P.layer(l, `${m}.weight`));
  names.push(P.preW, P.clsW);
  return names;
}

/** Seeded PRNG (mulberry32) with Box-Muller normals: reproducible initialisation across runs. */
export function rng(seed: number): { uniform(): number; normal(): number } {
  const uniform = mulberry32(seed >>> 0);
  return { uniform, normal: gaussian(uniform) };
}

/** Transformers' _init_weights: N(0, 0.02) weights, zero biases, LayerNorm 1/0, padding row zero. */
export function initParams(c: DistilBertConfig, seed = 42, std = 0.02): Params {
  const r = rng(seed);
  const params: Params = new Map();
  for (const [name, dims] of paramShapes(c)) {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('LayerNorm.weight') || name.endsWith('layer_norm.weight')) data.fill(1);
    else if (name.endsWith('.weight')) for (let i = 0; i < n; i++) data[i] = r.normal() * std;
    params.set(name, { data, dims });
  }
  const word = params.get(P.word)!;
  word.data.fill(0, c.padTokenId * c.dim, (c.padTokenId + 1) * c.dim);
  return params;
}

/**
 * Check that `params` has every tensor the config needs with the right shape; `fillMissing`
 * initialises absent classifier heads (fine-tuning a base checkpoint) instead of failing.
 */
export function checkParams(c: DistilBertConfig, params: Params, file: string, fillMissing: { seed: number } | null): void {
  const fresh = fillMissing ? initParams({ ...c, vocabSize: 1, maxPositions: 1, nLayers: 0, layerHeads: [], layerHiddenDims: [] }, fillMissing.seed) : null;
  for (const [name, dims] of paramShapes(c)) {
    const p = params.get(name);
    if (!p) {
      const isHead = name.startsWith('pre_classifier.') || name.startsWith('classifier.');
      if (isHead && fresh) { params.set(name, fresh.get(name)!); continue; }
      fail(file, `tensor "${name}" is missing`);
    }
    if (p.dims.length !== dims.length || p.dims.some((d, i) => d !== dims[i])) {
      fail(file, `tensor "${name}" has shape [${p.dims}] but config.json implies [${dims}]`);
    }
  }
}

export function countParams(params: Params): number {
  let n = 0;
  for (const p of params.values()) n += p.data.length;
  return n;
}
