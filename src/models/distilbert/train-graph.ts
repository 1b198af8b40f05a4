/**
 * DistilBERT (model.ts) on verde's engine (differentiable ops, autodiff): the training flavour of
 * the one definition, with Transformers' dropouts (embeddings, attention weights, FFN output,
 * before the classifier) when `train` is set. Parameters keep Hugging Face's names, so trained
 * weights flow back into the inference graph and into HF-compatible files unchanged.
 *
 * Early exit (guide §3.4.1.1): optional extra classifier heads after chosen layers
 * (`exits.<layer>.pre_classifier` / `exits.<layer>.classifier`), trained jointly with a weighted
 * sum of every head's loss that gives early heads more weight.
 */
import type { Graph, Param, Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';
import type { DistilBertConfig } from './config.js';
import { type Backend, DistilBert, LN_EPS } from './model.js';
import { type Params, rng } from './params.js';

export interface ForwardOptions {
  /** Dropout active (training) or not. */
  train: boolean;
  /** Layers (0-based) after which an early-exit head classifies. */
  exits?: number[];
  /** Parameters not to train (e.g. embeddings when fine-tuning partially). */
  frozen?: (name: string) => boolean;
}

export interface ForwardResult {
  logits: Tensor;
  /** Early-exit logits, in `exits` order. */
  exitLogits: Tensor[];
  params: Param[];
}

export function exitHeadNames(layer: number): string[] {
  return ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias'].map((n) => `exits.${layer}.${n}`);
}

/** A new exit-head tensor, initialised like Transformers' Linear layers (N(0, 0.02), zero bias). */
function freshExitParam(c: DistilBertConfig, name: string, seed: number): { data: Float32Array; dims: number[] } {
  const dims = name.includes('pre_classifier') ? (name.endsWith('weight') ? [c.dim, c.dim] : [c.dim]) : name.endsWith('weight') ? [c.labels.length, c.dim] : [c.labels.length];
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  if (name.endsWith('weight')) {
    const r = rng(seed + name.length * 7919 + Number(name.split('.')[1]) * 104729);
    for (let i = 0; i < n; i++) data[i] = r.normal() * 0.02;
  }
  return { data, dims };
}

/** The engine flavour of model.ts's steps: parameters made on first use, dropout when training. */
class EngineBackend implements Backend<Tensor> {
  readonly made: Param[] = [];

  constructor(readonly g: Graph, readonly c: DistilBertConfig, readonly values: Params, readonly opts: ForwardOptions) {}

  param(name: string): Param {
    const found = this.g.findParam(name);
    if (found) return found;
    let v = this.values.get(name);
    if (!v && name.startsWith('exits.')) v = freshExitParam(this.c, name, this.g.seed);
    if (!v) throw new Error(`distilbertForward: no value for parameter ${name}`);
    const p = this.g.param(name, v.dims, v.data, {
      trainable: !(this.opts.frozen?.(name) ?? false),
      weightDecay: !(name.endsWith('.bias') || name.includes('LayerNorm') || name.includes('layer_norm')),
    });
    this.made.push(p);
    return p;
  }

  linear(x: Tensor, prefix: string): Tensor {
    return op.linear(x, this.param(`${prefix}.weight`), this.param(`${prefix}.bias`));
  }

  layerNorm(x: Tensor, prefix: string): Tensor {
    return op.layerNorm(x, this.param(`${prefix}.weight`), this.param(`${prefix}.bias`), LN_EPS);
  }

  add = (a: Tensor, b: Tensor) => op.add(a, b);
  relu = (x: Tensor) => op.relu(x);
  gelu = (x: Tensor) => op.gelu(x);
  softmax = (x: Tensor) => op.softmax(x, -1);
  dropout = (x: Tensor, p: number) => (this.opts.train && p > 0 ? op.dropout(x, p) : x);
  embed = (table: string, ids: Tensor) => op.gather(this.param(table), ids);

  positions(ids: Tensor): Tensor {
    const seq = op.squeeze(op.symbolDim(this.g, String(ids.shape[1])), [0]);
    return this.g.addNode('Range', [this.g.scalar(0, 'int64'), seq, this.g.scalar(1, 'int64')], [{ dtype: 'int64', shape: [ids.shape[1]] }])[0];
  }

  maskBias = (mask: Tensor) => op.attentionMaskBias(mask);
  firstRow = (x: Tensor) => op.slice(x, [0], [1], [1]);
  first = (x: Tensor) => op.squeeze(op.slice(x, [0], [1], [1]), [1]);
  heads = (t: Tensor, h: number, dh: number) => op.transpose(op.reshape(t, [0, 0, h, dh]), [0, 2, 1, 3]);
  queryHeads = this.heads;
  keyHeads = this.heads;
  /** One FusedMatMul: k transposed and the 1/sqrt(dh) scale folded in, no copies. */
  scores = (q: Tensor, k: Tensor, dh: number) => op.matmul(q, k, { transB: true, alpha: 1 / Math.sqrt(dh) });
  matmul = (a: Tensor, b: Tensor) => op.matmul(a, b);
  mergeHeads = (t: Tensor, width: number) => op.reshape(op.transpose(t, [0, 2, 1, 3]), [0, 0, width]);
}

/** DistilBERT's blocks on the engine in `g`; `made()` lists the parameters created so far. */
export function engineDistilBert(g: Graph, c: DistilBertConfig, values: Params, opts: ForwardOptions): { m: DistilBert<Tensor>; made: () => Param[] } {
  const b = new EngineBackend(g, c, values, opts);
  return { m: new DistilBert(b, c), made: () => b.made };
}

/** Build the forward pass in `g` from `ids`, `mask` ([batch, seq] int64 inputs). */
export function distilbertForward(g: Graph, c: DistilBertConfig, values: Params, ids: Tensor, mask: Tensor, opts: ForwardOptions): ForwardResult {
  const { m, made } = engineDistilBert(g, c, values, opts);
  const exitLogits: Tensor[] = [];
  const x = m.embeddings(ids);
  const hidden = m.blocks(x, m.b.maskBias(mask), 0, c.nLayers, (l, h) => {
    if (opts.exits?.includes(l) && l !== c.nLayers - 1) exitLogits.push(m.classify(h, `exits.${l}.`));
  });
  return { logits: m.classify(hidden), exitLogits, params: made() };
}

/**
 * The early-exit training loss: sum_k w_k CE(exit_k) + w_final CE(final), weights decreasing with
 * depth (w ∝ nHeads - k, normalised to sum 1), as guide §3.4.1.1 describes.
 */
export function earlyExitLoss(exitLogits: Tensor[], finalLogits: Tensor, labels: Tensor): { loss: Tensor; weights: number[] } {
  const all = [...exitLogits, finalLogits];
  const raw = all.map((_, k) => all.length - k);
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((r) => r / total);
  const loss = op.weightedSum(all.map((t, k) => [op.crossEntropy(t, labels), weights[k]] as [Tensor, number]));
  return { loss, weights };
}
