/**
 * Layer helpers: create named parameters (PyTorch/Hugging Face names and layouts, so pretrained
 * safetensors load by name) and return a function applying the layer.
 */
import type { Graph, Param, Tensor } from '../graph.js';
import { type Rng, init } from '../init.js';
import { gather, layerNorm } from '../ops/nn.js';
import { linear } from '../ops/linalg.js';

export interface Linear {
  weight: Param; // [out, in]
  bias?: Param; // [out]
  (x: Tensor): Tensor;
}

/** nn.Linear: `${prefix}.weight` [out, in] and `${prefix}.bias` [out]; PyTorch's default init unless `std` is given. */
export function linearLayer(g: Graph, prefix: string, inF: number, outF: number, rng: Rng, opts: { bias?: boolean; std?: number; trainable?: boolean } = {}): Linear {
  const weight = g.param(`${prefix}.weight`, [outF, inF], opts.std !== undefined ? init.normal(rng, opts.std) : init.linearDefault(rng, inF), { trainable: opts.trainable });
  const bias = opts.bias === false ? undefined : g.param(`${prefix}.bias`, [outF], opts.std !== undefined ? init.zeros() : init.linearDefault(rng, inF), { trainable: opts.trainable });
  const f = ((x: Tensor) => linear(x, weight, bias)) as Linear;
  f.weight = weight;
  f.bias = bias;
  return f;
}

export interface LayerNorm {
  weight: Param;
  bias: Param;
  (x: Tensor): Tensor;
}

/** nn.LayerNorm over the last dim: `${prefix}.weight` (ones) and `${prefix}.bias` (zeros). */
export function layerNormLayer(g: Graph, prefix: string, dim: number, eps = 1e-12, opts: { trainable?: boolean } = {}): LayerNorm {
  const weight = g.param(`${prefix}.weight`, [dim], init.ones(), { weightDecay: false, trainable: opts.trainable });
  const bias = g.param(`${prefix}.bias`, [dim], init.zeros(), { weightDecay: false, trainable: opts.trainable });
  const f = ((x: Tensor) => layerNorm(x, weight, bias, eps)) as LayerNorm;
  f.weight = weight;
  f.bias = bias;
  return f;
}

export interface Embedding {
  weight: Param;
  (ids: Tensor): Tensor;
}

/** nn.Embedding: `${prefix}.weight` [num, dim]; lookup is Gather, its gradient a scatter-add. */
export function embeddingLayer(g: Graph, prefix: string, num: number, dim: number, rng: Rng, opts: { std?: number; trainable?: boolean } = {}): Embedding {
  const weight = g.param(`${prefix}.weight`, [num, dim], init.normal(rng, opts.std ?? 0.02), { trainable: opts.trainable });
  const f = ((ids: Tensor) => gather(weight, ids)) as Embedding;
  f.weight = weight;
  return f;
}
