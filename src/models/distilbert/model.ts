/**
 * The one definition of DistilBertForSequenceClassification (Hugging Face semantics): word +
 * position embeddings, LayerNorm (eps 1e-12), post-LN blocks of multi-head attention with the
 * padding mask and an erf-GELU FFN, then pre_classifier -> ReLU -> classifier on position 0.
 * Per-layer head counts and FFN widths may differ (structurally pruned models); a block with no
 * heads (or no FFN) contributes only its output bias.
 *
 * The structure is written once here against `Backend`, which says how each step is expressed:
 * train-graph.ts builds it on the engine (differentiable, dropout when training, parameters to
 * train), inference-graph.ts as plain ONNX for export (weights stored transposed so every Linear
 * is MatMul + Add) and exit-graphs.ts cuts the same blocks into early-exit stages.
 */
import { type DistilBertConfig, headDim } from './config.js';
import { P } from './params.js';

export const LN_EPS = 1e-12;

/** How one graph flavour expresses the model's steps; `T` is its tensor handle. */
export interface Backend<T> {
  /** A parameter used as a value (the output bias of a pruned attention or FFN). */
  param(name: string): T;
  /** HF Linear `${prefix}.weight` [out, in], `${prefix}.bias` over the last dim. */
  linear(x: T, prefix: string): T;
  layerNorm(x: T, prefix: string): T;
  add(a: T, b: T): T;
  relu(x: T): T;
  gelu(x: T): T;
  softmax(x: T): T;
  /** Dropout with probability p when training; the identity otherwise. */
  dropout(x: T, p: number): T;
  /** Rows of embedding table `table` for int64 `ids`. */
  embed(table: string, ids: T): T;
  /** Position ids 0..seq-1 for [B,S] `ids`. */
  positions(ids: T): T;
  /** [B,S] int64 mask -> [B,1,1,S] additive bias: 0 where attended, very negative on padding. */
  maskBias(mask: T): T;
  /** [B,S,D] -> [B,1,D]: position 0, dimension kept. */
  firstRow(x: T): T;
  /** [B,S,D] -> [B,D]: position 0. */
  first(x: T): T;
  /** Query projection [B,R,h*dh] -> what `scores` takes as queries (heads split, scaled as the flavour prefers). */
  queryHeads(t: T, h: number, dh: number): T;
  /** Key projection [B,S,h*dh] -> what `scores` takes as keys. */
  keyHeads(t: T, h: number, dh: number): T;
  /** [B,S,h*dh] -> [B,h,S,dh]. */
  heads(t: T, h: number, dh: number): T;
  /** Attention scores q k^T / sqrt(dh): [B,h,R,S]. */
  scores(q: T, k: T, dh: number): T;
  matmul(a: T, b: T): T;
  /** [B,h,R,dh] -> [B,R,h*dh]. */
  mergeHeads(t: T, width: number): T;
}

/** The model's blocks over a backend; every graph flavour composes these. */
export class DistilBert<T> {
  constructor(readonly b: Backend<T>, readonly c: DistilBertConfig) {}

  /** [B,S] ids -> [B,S,D]: word + position embeddings, LayerNorm, dropout. */
  embeddings(ids: T): T {
    const b = this.b;
    const x = b.add(b.embed(P.word, ids), b.embed(P.pos, b.positions(ids)));
    return b.dropout(b.layerNorm(x, 'distilbert.embeddings.LayerNorm'), this.c.dropout);
  }

  /**
   * Block `l` (attention + FFN, post-LN). With `firstOnly` it returns position 0 only ([B,1,D]):
   * keys and values come from every position, but queries, the attention output, the FFN and the
   * LayerNorms run on one row per text — all that the classifier reads from the last block, for
   * about a sixth of its work (keys and values on every row are 2 of 12 dim^2 per row); the
   * logits and gradients are the same.
   */
  block(x: T, maskBias: T, l: number, firstOnly = false): T {
    const { b, c } = this;
    const h = c.layerHeads[l];
    const dh = headDim(c);
    const pre = `distilbert.transformer.layer.${l}`;
    const xq = firstOnly ? b.firstRow(x) : x;
    let attn: T;
    if (h === 0) {
      attn = b.param(`${pre}.attention.out_lin.bias`);
    } else {
      const q = b.queryHeads(b.linear(xq, `${pre}.attention.q_lin`), h, dh);
      const k = b.keyHeads(b.linear(x, `${pre}.attention.k_lin`), h, dh);
      const v = b.heads(b.linear(x, `${pre}.attention.v_lin`), h, dh);
      const probs = b.dropout(b.softmax(b.add(b.scores(q, k, dh), maskBias)), c.attentionDropout);
      attn = b.linear(b.mergeHeads(b.matmul(probs, v), h * dh), `${pre}.attention.out_lin`);
    }
    const sa = b.layerNorm(b.add(attn, xq), `${pre}.sa_layer_norm`);
    const ffn = c.layerHiddenDims[l] === 0
      ? b.param(`${pre}.ffn.lin2.bias`)
      : b.dropout(b.linear(b.gelu(b.linear(sa, `${pre}.ffn.lin1`)), `${pre}.ffn.lin2`), c.dropout);
    return b.layerNorm(b.add(ffn, sa), `${pre}.output_layer_norm`);
  }

  /** Blocks [from, to); the model's last block on position 0 only when `to` is the last layer. */
  blocks(x: T, maskBias: T, from: number, to: number, each?: (l: number, x: T) => void): T {
    for (let l = from; l < to; l++) {
      x = this.block(x, maskBias, l, l === this.c.nLayers - 1);
      each?.(l, x);
    }
    return x;
  }

  /** [B,S,D] (or [B,1,D]) -> [B,labels] logits from position 0 through `${prefix}pre_classifier`/`classifier`. */
  classify(hidden: T, prefix = ''): T {
    const b = this.b;
    const pooled = b.dropout(b.relu(b.linear(b.first(hidden), `${prefix}pre_classifier`)), this.c.seqClassifDropout);
    return b.linear(pooled, `${prefix}classifier`);
  }
}
