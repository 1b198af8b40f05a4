/**
 * DistilBERT configuration: Hugging Face's config.json fields (so real checkpoints load and the
 * files verde writes load in Transformers) plus per-layer sizes for structurally pruned models.
 * Head pruning uses HF's own `pruned_heads` field ({layer: [head ids]}), which Transformers applies
 * on load; FFN neuron pruning has no HF field, so verde adds `verde_hidden_dims` (one per layer).
 */
import { fail } from '../../util/errors.js';
import { CONFIG_FILE } from '../../registry/files.js';

export interface DistilBertConfig {
  vocabSize: number;
  maxPositions: number;
  nLayers: number;
  /** Heads per layer before pruning; the head width is dim / nHeads. */
  nHeads: number;
  dim: number;
  /** FFN width before pruning. */
  hiddenDim: number;
  dropout: number;
  attentionDropout: number;
  seqClassifDropout: number;
  padTokenId: number;
  /** Labels in id order. */
  labels: string[];
  /** Heads kept in each layer (nHeads minus pruned). */
  layerHeads: number[];
  /** FFN width of each layer. */
  layerHiddenDims: number[];
  /** HF `pruned_heads`: original head ids removed per layer. */
  prunedHeads: Record<number, number[]>;
}

export interface SizeOptions {
  layers?: number;
  dim?: number;
  heads?: number;
  hiddenDim?: number;
  vocabSize?: number;
  maxPositions?: number;
}

export function headDim(c: DistilBertConfig): number {
  return c.dim / c.nHeads;
}

/** A fresh config for training from scratch. */
export function makeConfig(labels: string[], size: SizeOptions = {}): DistilBertConfig {
  const nLayers = size.layers ?? 6;
  const dim = size.dim ?? 768;
  const nHeads = size.heads ?? 12;
  const hiddenDim = size.hiddenDim ?? 4 * dim;
  if (!(nLayers >= 1)) fail('--layers', `must be at least 1 (got ${nLayers})`);
  if (!(nHeads >= 1) || dim % nHeads !== 0) fail('--heads', `must divide --dim ${dim} (got ${nHeads})`);
  if (!(hiddenDim >= 1)) fail('--hidden-dim', `must be at least 1 (got ${hiddenDim})`);
  return {
    vocabSize: size.vocabSize ?? 30522,
    maxPositions: size.maxPositions ?? 512,
    nLayers,
    nHeads,
    dim,
    hiddenDim,
    dropout: 0.1,
    attentionDropout: 0.1,
    seqClassifDropout: 0.2,
    padTokenId: 0,
    labels,
    layerHeads: Array(nLayers).fill(nHeads),
    layerHiddenDims: Array(nLayers).fill(hiddenDim),
    prunedHeads: {},
  };
}

function num(raw: Record<string, unknown>, key: string, file: string, fallback?: number): number {
  const v = raw[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(file, `field "${key}" must be a number`);
  return v;
}

/**
 * A size field: an integer in [min, max]. The bounds are far above any real DistilBERT and stop a
 * hostile or corrupt config (n_layers 1e9, num_labels -1) before arrays are sized from it.
 */
function size(raw: Record<string, unknown>, key: string, file: string, min: number, max: number, fallback?: number): number {
  const v = num(raw, key, file, fallback);
  if (!Number.isInteger(v) || v < min || v > max) fail(file, `field "${key}" must be an integer from ${min} to ${max} (got ${v})`);
  return v;
}

/** Parse an HF DistilBERT config.json object; errors name the file and field. */
export function parseHfConfig(raw: unknown, file = CONFIG_FILE): DistilBertConfig {
  if (!raw || typeof raw !== 'object') fail(file, 'not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r.model_type !== undefined && r.model_type !== 'distilbert') {
    fail(file, `field "model_type" is "${String(r.model_type)}" (only distilbert is supported)`);
  }
  const nLayers = size(r, 'n_layers', file, 1, 1024);
  const nHeads = size(r, 'n_heads', file, 1, 1024);
  const dim = size(r, 'dim', file, 1, 1 << 16);
  const hiddenDim = size(r, 'hidden_dim', file, 1, 1 << 20);
  if (dim % nHeads !== 0) fail(file, `field "dim" ${dim} is not a multiple of "n_heads" ${nHeads}`);
  if (r.sinusoidal_pos_embds === true) fail(file, 'field "sinusoidal_pos_embds" true is not supported');
  if (r.activation !== undefined && r.activation !== 'gelu') fail(file, `field "activation" "${String(r.activation)}" is not supported (gelu only)`);
  let labels: string[];
  const id2label = r.id2label as Record<string, string> | undefined;
  if (id2label && typeof id2label === 'object' && Object.keys(id2label).length >= 1) {
    const n = Object.keys(id2label).length;
    labels = Array.from({ length: n }, (_, i) => {
      const l = id2label[String(i)];
      if (typeof l !== 'string') fail(file, `field "id2label" has no entry "${i}"`);
      return l;
    });
  } else {
    const n = size(r, 'num_labels', file, 1, 100_000, 2);
    labels = Array.from({ length: n }, (_, i) => `LABEL_${i}`);
  }
  const prunedHeads: Record<number, number[]> = {};
  const ph = r.pruned_heads as Record<string, number[]> | undefined;
  if (ph && typeof ph === 'object') {
    for (const [k, v] of Object.entries(ph)) {
      const layer = Number(k);
      if (!Number.isInteger(layer) || layer < 0 || layer >= nLayers || !Array.isArray(v)) fail(file, `field "pruned_heads" entry "${k}" is invalid`);
      if (v.length) prunedHeads[layer] = [...v].sort((a, b) => a - b);
    }
  }
  const layerHeads = Array.from({ length: nLayers }, (_, l) => nHeads - (prunedHeads[l]?.length ?? 0));
  let layerHiddenDims = Array(nLayers).fill(hiddenDim) as number[];
  if (r.verde_hidden_dims !== undefined) {
    const v = r.verde_hidden_dims;
    if (!Array.isArray(v) || v.length !== nLayers || v.some((x) => !Number.isInteger(x) || x < 0)) {
      fail(file, `field "verde_hidden_dims" must list ${nLayers} non-negative integers`);
    }
    layerHiddenDims = v as number[];
  }
  return {
    vocabSize: size(r, 'vocab_size', file, 1, 10_000_000),
    maxPositions: size(r, 'max_position_embeddings', file, 1, 1 << 20, 512),
    nLayers,
    nHeads,
    dim,
    hiddenDim,
    dropout: num(r, 'dropout', file, 0.1),
    attentionDropout: num(r, 'attention_dropout', file, 0.1),
    seqClassifDropout: num(r, 'seq_classif_dropout', file, 0.2),
    padTokenId: num(r, 'pad_token_id', file, 0),
    labels,
    layerHeads,
    layerHiddenDims,
    prunedHeads,
  };
}

/** The HF config.json object for `c` (loadable by Transformers' DistilBertForSequenceClassification). */
export function toHfConfig(c: DistilBertConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: ['DistilBertForSequenceClassification'],
    model_type: 'distilbert',
    activation: 'gelu',
    attention_dropout: c.attentionDropout,
    dim: c.dim,
    dropout: c.dropout,
    hidden_dim: c.hiddenDim,
    initializer_range: 0.02,
    max_position_embeddings: c.maxPositions,
    n_heads: c.nHeads,
    n_layers: c.nLayers,
    pad_token_id: c.padTokenId,
    qa_dropout: 0.1,
    seq_classif_dropout: c.seqClassifDropout,
    sinusoidal_pos_embds: false,
    tie_weights_: true,
    vocab_size: c.vocabSize,
    id2label: Object.fromEntries(c.labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(c.labels.map((l, i) => [l, i])),
  };
  if (Object.keys(c.prunedHeads).length) out.pruned_heads = c.prunedHeads;
  if (c.layerHiddenDims.some((h) => h !== c.hiddenDim)) out.verde_hidden_dims = c.layerHiddenDims;
  return out;
}
