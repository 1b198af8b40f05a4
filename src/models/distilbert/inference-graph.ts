/**
 * The inference graph of DistilBertForSequenceClassification as plain ONNX (opset 17), written
 * from the parameters with Hugging Face's semantics: word + position embeddings, LayerNorm (eps
 * 1e-12), post-LN blocks of multi-head attention with the padding mask and an erf-GELU FFN, then
 * pre_classifier -> ReLU -> classifier on position 0. Per-layer head counts and FFN widths may
 * differ (structurally pruned models). Linear weights are stored transposed ([in, out]) so each
 * Linear is one MatMul + Add, the pattern ONNX Runtime fuses and the int8 transform rewrites.
 */
import { GraphBuilder, DT, type BuiltGraph } from '../../engine/onnx-graph.js';
import { type DistilBertConfig, headDim } from './config.js';
import { P, type Params } from './params.js';

export const LN_EPS = 1e-12;
/** Added to masked attention scores (Transformers uses the dtype's minimum; both give exp() = 0). */
const MASK_NEG = -1e9;

export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c];
  }
  return out;
}

/** Builder helpers shared by the full graph and the early-exit stage graphs. */
export class DistilBertGraph {
  constructor(readonly g: GraphBuilder, readonly c: DistilBertConfig, readonly params: Params) {}

  private w(name: string): string {
    const p = this.params.get(name);
    if (!p) throw new Error(`parameter ${name} missing`);
    return this.g.init(name, p.data, p.dims);
  }

  /** HF Linear (weight [out, in]) as MatMul with the transposed weight plus Add bias. */
  linear(x: string, prefix: string): string {
    const p = this.params.get(`${prefix}.weight`)!;
    const [out, inn] = p.dims;
    const wt = this.g.init(`${prefix}.weight_t`, transpose(p.data, out, inn), [inn, out]);
    return this.g.op('Add', [this.g.op('MatMul', [x, wt]), this.w(`${prefix}.bias`)]);
  }

  layerNorm(x: string, prefix: string): string {
    return this.g.op('LayerNormalization', [x, this.w(`${prefix}.weight`), this.w(`${prefix}.bias`)], { axis: -1, epsilon: { float: LN_EPS } });
  }

  /** [B,S] ids -> [B,S,D] hidden states after embeddings + LayerNorm. */
  embeddings(ids: string): string {
    const g = this.g;
    const words = g.op('Gather', [this.w(P.word), ids]);
    const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.constI64([1], [])], { axis: 0 });
    const posIds = g.op('Range', [g.constI64([0], []), seqLen, g.constI64([1], [])]);
    const pos = g.op('Gather', [this.w(P.pos), posIds]);
    return this.layerNorm(g.op('Add', [words, pos]), 'distilbert.embeddings.LayerNorm');
  }

  /** [B,S] int64 mask -> [B,1,1,S] float bias: 0 where attended, MASK_NEG on padding. */
  maskBias(mask: string): string {
    const g = this.g;
    const m = g.op('Cast', [mask], { to: DT.FLOAT });
    const bias = g.op('Mul', [g.op('Sub', [g.constF32([1], []), m]), g.constF32([MASK_NEG], [])]);
    return g.op('Unsqueeze', [bias, g.constI64([1, 2])]);
  }

  /**
   * One transformer block (attention + FFN, post-LN). With `firstOnly` it returns position 0 only
   * ([B,1,D]): keys and values come from every position, but queries, the attention output, the
   * FFN and the LayerNorms run on one row per text — all that the classifier reads from the last
   * block, for about a sixth of its work (keys and values on every row are 2 of 12 dim^2 per row).
   */
  block(x: string, maskBias: string, l: number, firstOnly = false): string {
    const g = this.g;
    const c = this.c;
    const h = c.layerHeads[l];
    const dh = headDim(c);
    const pre = `distilbert.transformer.layer.${l}`;
    const xq = firstOnly ? g.op('Gather', [x, g.constI64([0])], { axis: 1 }) : x;
    let attnOut: string;
    if (h === 0) {
      // Every head pruned: the block's attention contributes only out_lin's bias.
      attnOut = this.w(`${pre}.attention.out_lin.bias`);
    } else {
      const heads = (t: string) => g.op('Transpose', [g.op('Reshape', [t, g.constI64([0, 0, h, dh])])], { perm: [0, 2, 1, 3] });
      const q = g.op('Mul', [heads(this.linear(xq, `${pre}.attention.q_lin`)), g.constF32([1 / Math.sqrt(dh)], [])]);
      const kT = g.op('Transpose', [g.op('Reshape', [this.linear(x, `${pre}.attention.k_lin`), g.constI64([0, 0, h, dh])])], { perm: [0, 2, 3, 1] });
      const v = heads(this.linear(x, `${pre}.attention.v_lin`));
      const scores = g.op('Add', [g.op('MatMul', [q, kT]), maskBias]);
      const probs = g.op('Softmax', [scores], { axis: -1 });
      const ctx = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
      attnOut = this.linear(g.op('Reshape', [ctx, g.constI64([0, 0, h * dh])]), `${pre}.attention.out_lin`);
    }
    const sa = this.layerNorm(g.op('Add', [attnOut, xq]), `${pre}.sa_layer_norm`);
    let ffnOut: string;
    if (c.layerHiddenDims[l] === 0) {
      ffnOut = this.w(`${pre}.ffn.lin2.bias`);
    } else {
      const h1 = this.linear(sa, `${pre}.ffn.lin1`);
      // erf GELU: 0.5 x (1 + erf(x / sqrt 2)) — the exact form Transformers uses.
      const erf = g.op('Erf', [g.op('Div', [h1, g.constF32([Math.SQRT2], [])])]);
      const gelu = g.op('Mul', [g.op('Mul', [h1, g.op('Add', [erf, g.constF32([1], [])])]), g.constF32([0.5], [])]);
      ffnOut = this.linear(gelu, `${pre}.ffn.lin2`);
    }
    return this.layerNorm(g.op('Add', [ffnOut, sa]), `${pre}.output_layer_norm`);
  }

  /** [B,S,D] -> [B,labels] logits from position 0, through `prefix`pre_classifier/classifier. */
  head(x: string, prefix = '', out?: string): string {
    const g = this.g;
    const first = g.op('Gather', [x, g.constI64([0], [])], { axis: 1 });
    const pooled = g.op('Relu', [this.linear(first, `${prefix}pre_classifier`)]);
    const logits = this.linear(pooled, `${prefix}classifier`);
    return out ? g.op('Identity', [logits], {}, out) : logits;
  }
}

/** The full inference graph: inputs input_ids, attention_mask (int64 [B,S]); output logits [B,labels]. */
export function buildInferenceGraph(c: DistilBertConfig, params: Params, name = 'distilbert'): BuiltGraph {
  const g = new GraphBuilder(name);
  const ids = g.input('input_ids', DT.INT64, ['batch', 'sequence']);
  const mask = g.input('attention_mask', DT.INT64, ['batch', 'sequence']);
  const m = new DistilBertGraph(g, c, params);
  let x = m.embeddings(ids);
  const bias = m.maskBias(mask);
  for (let l = 0; l < c.nLayers; l++) x = m.block(x, bias, l, l === c.nLayers - 1);
  m.head(x, '', 'logits');
  g.output('logits', DT.FLOAT, ['batch', c.labels.length]);
  return g.build(17, `DistilBertForSequenceClassification layers=${c.nLayers} dim=${c.dim} heads=${c.layerHeads.join(',')} ffn=${c.layerHiddenDims.join(',')}`);
}
