/**
 * A BERT/DistilBERT-style post-LayerNorm transformer encoder, with Hugging Face DistilBERT's
 * parameter names (transformer.layer.N.attention.q_lin.weight, ...), so model.safetensors from the
 * Hub loads by name. Activations are kept 2-D, [batch*seq, dim], between layers so every
 * projection is one Gemm (bias fused); only attention reshapes to [batch, heads, seq, headDim].
 */
import type { Graph, Tensor } from '../graph.js';
import type { Dim } from '../types.js';
import { UserError } from '../../util/errors.js';
import type { Rng } from '../init.js';
import { add, gelu, relu } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { attentionMaskBias, dropout, softmax } from '../ops/nn.js';
import { reshape, slice, transpose } from '../ops/shape-ops.js';
import { embeddingLayer, layerNormLayer, linearLayer } from './basic.js';

export interface EncoderConfig {
  dim: number; // 768
  heads: number; // 12
  hiddenDim: number; // FFN width, 3072
  layers: number; // 6
  activation?: 'gelu' | 'relu'; // DistilBERT: gelu (erf)
  dropout?: number; // 0.1
  attentionDropout?: number; // 0.1
  layerNormEps?: number; // 1e-12 (DistilBERT)
  initStd?: number; // 0.02
  /** Symbolic dims of the token input, used to reshape for attention. */
  batchDim?: string; // 'batch'
  seqDim?: string; // 'seq'
}

export interface EncoderLayerOut {
  /** [batch*seq, dim] */
  hidden: Tensor;
}

/**
 * One encoder block (DistilBERT TransformerBlock): self-attention with an additive padding mask,
 * residual + LayerNorm, FFN (lin1, GELU, lin2, dropout), residual + LayerNorm.
 * `x` is [batch*seq, dim]; `maskBias` is [batch, 1, 1, seq] (see attentionMaskBias) or undefined.
 * With `firstOnly` the block computes the output of the first position only ([batch, dim]): keys
 * and values still come from every position, but the query, attention output, FFN and LayerNorms
 * run on one row per sequence. That is all a [CLS] head reads from the last block, so the result
 * is the same (fp32) as clsPool of the full block, for about a sixth of its work: keys and values
 * on every row are 2 of the block's 12 dim^2 multiply-adds per row.
 */
export function encoderLayer(g: Graph, prefix: string, cfg: EncoderConfig, rng: Rng): (x: Tensor, maskBias?: Tensor, firstOnly?: boolean) => Tensor {
  const { dim, heads, hiddenDim } = cfg;
  if (dim % heads !== 0) throw new UserError(`encoder: dim ${dim} is not divisible by heads ${heads}`);
  const dh = dim / heads;
  const std = cfg.initStd ?? 0.02;
  const eps = cfg.layerNormEps ?? 1e-12;
  const B = cfg.batchDim ?? 'batch';
  const S = cfg.seqDim ?? 'seq';
  const q = linearLayer(g, `${prefix}.attention.q_lin`, dim, dim, rng, { std });
  const k = linearLayer(g, `${prefix}.attention.k_lin`, dim, dim, rng, { std });
  const v = linearLayer(g, `${prefix}.attention.v_lin`, dim, dim, rng, { std });
  const out = linearLayer(g, `${prefix}.attention.out_lin`, dim, dim, rng, { std });
  const ln1 = layerNormLayer(g, `${prefix}.sa_layer_norm`, dim, eps);
  const lin1 = linearLayer(g, `${prefix}.ffn.lin1`, dim, hiddenDim, rng, { std });
  const lin2 = linearLayer(g, `${prefix}.ffn.lin2`, hiddenDim, dim, rng, { std });
  const ln2 = layerNormLayer(g, `${prefix}.output_layer_norm`, dim, eps);
  const act = cfg.activation === 'relu' ? relu : gelu;
  const pDrop = cfg.dropout ?? 0.1;
  const pAttn = cfg.attentionDropout ?? 0.1;

  return (x: Tensor, maskBias?: Tensor, firstOnly = false) => {
    const heads4 = (t: Tensor, rows: Dim) => transpose(reshape(t, [B, rows, heads, dh]), [0, 2, 1, 3]); // [B, H, rows, dh]
    // Query rows: every position, or only the first ([batch, dim], as clsPool takes it).
    const xq = firstOnly ? clsPool(x, { dim, batchDim: B, seqDim: S }) : x;
    const qh = heads4(q(xq), firstOnly ? 1 : S);
    const kh = heads4(k(x), S);
    const vh = heads4(v(x), S);
    let scores = matmul(qh, kh, { transB: true, alpha: 1 / Math.sqrt(dh) }); // [B, H, rows, S]
    if (maskBias) scores = add(scores, maskBias);
    const probs = dropout(softmax(scores, -1), pAttn);
    const ctx = matmul(probs, vh); // [B, H, rows, dh]
    const merged = reshape(transpose(ctx, [0, 2, 1, 3]), [-1, dim]); // [B*rows, dim]
    const h1 = ln1(add(out(merged), xq));
    const ff = dropout(lin2(act(lin1(h1))), pDrop);
    return ln2(add(ff, h1));
  };
}

export interface DistilBertEmbeddingsConfig {
  vocabSize: number; // 30522
  maxPositions: number; // 512
  dim: number;
  dropout?: number;
  layerNormEps?: number;
  initStd?: number;
}

/**
 * DistilBERT embeddings: word + position embeddings, LayerNorm, dropout. `ids` and `positions`
 * are int64 [batch, seq]; returns [batch*seq, dim]. Positions are an input (0..seq-1 per row)
 * so no Range/Expand is needed in the graph.
 */
export function distilBertEmbeddings(g: Graph, cfg: DistilBertEmbeddingsConfig, rng: Rng): (ids: Tensor, positions: Tensor) => Tensor {
  const std = cfg.initStd ?? 0.02;
  const word = embeddingLayer(g, 'embeddings.word_embeddings', cfg.vocabSize, cfg.dim, rng, { std });
  const pos = embeddingLayer(g, 'embeddings.position_embeddings', cfg.maxPositions, cfg.dim, rng, { std });
  const ln = layerNormLayer(g, 'embeddings.LayerNorm', cfg.dim, cfg.layerNormEps ?? 1e-12);
  return (ids, positions) => {
    const e = add(word(ids), pos(positions)); // [B, S, D]
    return dropout(ln(reshape(e, [-1, cfg.dim])), cfg.dropout ?? 0.1);
  };
}

/**
 * The stack of `cfg.layers` encoder blocks named `${prefix}.layer.N` (HF: 'transformer').
 * `mask` is the int64 [batch, seq] attention mask (1 = token, 0 = padding). Returns [batch*seq,
 * dim]; with `{ clsOnly: true }` it returns the [CLS] state [batch, dim] (what clsPool would take)
 * and the last block computes only that row — the same fp32 values for a classifier, and ~15 %
 * less time per DistilBERT-base training step (bench/train-step; see encoderLayer).
 */
export function transformerEncoder(g: Graph, cfg: EncoderConfig, rng: Rng, prefix = 'transformer'): (x: Tensor, mask?: Tensor, opts?: { clsOnly?: boolean }) => Tensor {
  const layers = Array.from({ length: cfg.layers }, (_x, i) => encoderLayer(g, `${prefix}.layer.${i}`, cfg, rng));
  return (x, mask, opts = {}) => {
    const bias = mask ? attentionMaskBias(mask) : undefined;
    let h = x;
    layers.forEach((layer, i) => (h = layer(h, bias, opts.clsOnly === true && i === layers.length - 1)));
    return opts.clsOnly && layers.length === 0 ? clsPool(h, cfg) : h;
  };
}

/** The first token's hidden state per sequence ([CLS] pooling): [batch*seq, dim] -> [batch, dim]. */
export function clsPool(hidden: Tensor, cfg: { dim: number; batchDim?: string; seqDim?: string }): Tensor {
  const h3 = reshape(hidden, [cfg.batchDim ?? 'batch', cfg.seqDim ?? 'seq', cfg.dim]);
  return reshape(slice(h3, [0], [1], [1]), [-1, cfg.dim]);
}

/**
 * DistilBertForSequenceClassification's head: pre_classifier (dim->dim), ReLU, dropout,
 * classifier (dim->numLabels), applied to the [CLS] state.
 */
export function classificationHead(g: Graph, dim: number, numLabels: number, rng: Rng, opts: { dropout?: number; initStd?: number } = {}): (pooled: Tensor) => Tensor {
  const std = opts.initStd ?? 0.02;
  const pre = linearLayer(g, 'pre_classifier', dim, dim, rng, { std });
  const cls = linearLayer(g, 'classifier', dim, numLabels, rng, { std });
  return (pooled) => cls(dropout(relu(pre(pooled)), opts.dropout ?? 0.2));
}
