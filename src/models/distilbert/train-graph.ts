/**
 * DistilBertForSequenceClassification on verde's engine (differentiable ops, autodiff), for
 * training: the same computation as inference-graph.ts plus Transformers' dropouts (embeddings,
 * attention weights, FFN output, before the classifier). Parameters keep Hugging Face's names, so
 * trained weights flow back into the inference graph and into HF-compatible files unchanged.
 *
 * Early exit (guide §3.4.1.1): optional extra classifier heads after chosen layers
 * (`exits.<layer>.pre_classifier` / `exits.<layer>.classifier`), trained jointly with a weighted
 * sum of every head's loss that gives early heads more weight.
 */
import type { Graph, Param, Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';
import { type DistilBertConfig, headDim } from './config.js';
import { LN_EPS } from './inference-graph.js';
import { P, type Params, rng } from './params.js';

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

/** Build the forward pass in `g` from `ids`, `mask` ([batch, seq] int64 inputs). */
export function distilbertForward(g: Graph, c: DistilBertConfig, values: Params, ids: Tensor, mask: Tensor, opts: ForwardOptions): ForwardResult {
  const made: Param[] = [];
  const param = (name: string): Param => {
    const found = g.findParam(name);
    if (found) return found;
    let v = values.get(name);
    if (!v && name.startsWith('exits.')) v = freshExitParam(c, name, g.seed);
    if (!v) throw new Error(`distilbertForward: no value for parameter ${name}`);
    const p = g.param(name, v.dims, v.data, {
      trainable: !(opts.frozen?.(name) ?? false),
      weightDecay: !(name.endsWith('.bias') || name.includes('LayerNorm') || name.includes('layer_norm')),
    });
    made.push(p);
    return p;
  };
  const drop = (x: Tensor, p: number) => (opts.train && p > 0 ? op.dropout(x, p) : x);
  const lin = (x: Tensor, prefix: string) => op.linear(x, param(`${prefix}.weight`), param(`${prefix}.bias`));
  const ln = (x: Tensor, prefix: string) => op.layerNorm(x, param(`${prefix}.weight`), param(`${prefix}.bias`), LN_EPS);

  // Embeddings: word rows + position rows 0..seq-1, LayerNorm, dropout.
  const seq = op.squeeze(op.symbolDim(g, String(ids.shape[1])), [0]);
  const [posIds] = g.addNode('Range', [g.scalar(0, 'int64'), seq, g.scalar(1, 'int64')], [{ dtype: 'int64', shape: [ids.shape[1]] }]);
  let x = op.add(op.gather(param(P.word), ids), op.gather(param(P.pos), posIds));
  x = drop(ln(x, 'distilbert.embeddings.LayerNorm'), c.dropout);
  const maskBias = op.attentionMaskBias(mask);
  const dh = headDim(c);
  const exitLogits: Tensor[] = [];

  const classify = (hidden: Tensor, prefix: string) => {
    const first = op.squeeze(op.slice(hidden, [0], [1], [1]), [1]);
    const pooled = drop(op.relu(lin(first, `${prefix}pre_classifier`)), c.seqClassifDropout);
    return lin(pooled, `${prefix}classifier`);
  };

  for (let l = 0; l < c.nLayers; l++) {
    const pre = `distilbert.transformer.layer.${l}`;
    const h = c.layerHeads[l];
    // The last block computes position 0 only: the classifier reads nothing else, so queries,
    // attention output, FFN and LayerNorms run on one row per text (same logits and gradients).
    const xq = l === c.nLayers - 1 ? op.slice(x, [0], [1], [1]) : x;
    let attn: Tensor;
    if (h === 0) {
      attn = param(`${pre}.attention.out_lin.bias`);
    } else {
      const split = (t: Tensor) => op.transpose(op.reshape(t, [0, 0, h, dh]), [0, 2, 1, 3]);
      const q = split(lin(xq, `${pre}.attention.q_lin`));
      const k = split(lin(x, `${pre}.attention.k_lin`));
      const v = split(lin(x, `${pre}.attention.v_lin`));
      const scores = op.add(op.matmul(q, k, { transB: true, alpha: 1 / Math.sqrt(dh) }), maskBias);
      const probs = drop(op.softmax(scores, -1), c.attentionDropout);
      const ctx = op.reshape(op.transpose(op.matmul(probs, v), [0, 2, 1, 3]), [0, 0, h * dh]);
      attn = lin(ctx, `${pre}.attention.out_lin`);
    }
    const sa = ln(op.add(attn, xq), `${pre}.sa_layer_norm`);
    const ffn = c.layerHiddenDims[l] === 0
      ? param(`${pre}.ffn.lin2.bias`)
      : drop(lin(op.gelu(lin(sa, `${pre}.ffn.lin1`)), `${pre}.ffn.lin2`), c.dropout);
    x = ln(op.add(ffn, sa), `${pre}.output_layer_norm`);
    if (opts.exits?.includes(l) && l !== c.nLayers - 1) exitLogits.push(classify(x, `exits.${l}.`));
  }
  return { logits: classify(x, ''), exitLogits, params: made };
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
