/**
 * DistilBERT (model.ts) as plain ONNX (opset 17) for export: the inference flavour of the one
 * definition. No dropout; Linear weights are stored transposed ([in, out]) so each Linear is one
 * MatMul + Add, the pattern ONNX Runtime fuses and the int8 transform rewrites; the query is
 * scaled before QK^T and keys are transposed in the same Transpose that splits their heads.
 */
import { GraphBuilder, DT, type BuiltGraph } from '../../engine/onnx-graph.js';
import type { DistilBertConfig } from './config.js';
import { type Backend, DistilBert, LN_EPS } from './model.js';
import type { Params } from './params.js';

export { LN_EPS } from './model.js';

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

/** The ONNX flavour of model.ts's steps; tensors are value names in `g`. */
export class OnnxBackend implements Backend<string> {
  constructor(readonly g: GraphBuilder, readonly params: Params) {}

  param(name: string): string {
    const p = this.params.get(name);
    if (!p) throw new Error(`parameter ${name} missing`);
    return this.g.init(name, p.data, p.dims);
  }

  /** HF Linear (weight [out, in]) as MatMul with the transposed weight plus Add bias. */
  linear(x: string, prefix: string): string {
    const p = this.params.get(`${prefix}.weight`)!;
    const [out, inn] = p.dims;
    const wt = this.g.init(`${prefix}.weight_t`, transpose(p.data, out, inn), [inn, out]);
    return this.g.op('Add', [this.g.op('MatMul', [x, wt]), this.param(`${prefix}.bias`)]);
  }

  layerNorm(x: string, prefix: string): string {
    return this.g.op('LayerNormalization', [x, this.param(`${prefix}.weight`), this.param(`${prefix}.bias`)], { axis: -1, epsilon: { float: LN_EPS } });
  }

  add(a: string, b: string): string {
    return this.g.op('Add', [a, b]);
  }

  relu(x: string): string {
    return this.g.op('Relu', [x]);
  }

  /** erf GELU: 0.5 x (1 + erf(x / sqrt 2)) — the exact form Transformers uses. */
  gelu(x: string): string {
    const g = this.g;
    const erf = g.op('Erf', [g.op('Div', [x, g.constF32([Math.SQRT2], [])])]);
    return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.constF32([1], [])])]), g.constF32([0.5], [])]);
  }

  softmax(x: string): string {
    return this.g.op('Softmax', [x], { axis: -1 });
  }

  dropout(x: string): string {
    return x;
  }

  embed(table: string, ids: string): string {
    return this.g.op('Gather', [this.param(table), ids]);
  }

  positions(ids: string): string {
    const g = this.g;
    const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.constI64([1], [])], { axis: 0 });
    return g.op('Range', [g.constI64([0], []), seqLen, g.constI64([1], [])]);
  }

  maskBias(mask: string): string {
    const g = this.g;
    const m = g.op('Cast', [mask], { to: DT.FLOAT });
    const bias = g.op('Mul', [g.op('Sub', [g.constF32([1], []), m]), g.constF32([MASK_NEG], [])]);
    return g.op('Unsqueeze', [bias, g.constI64([1, 2])]);
  }

  firstRow(x: string): string {
    return this.g.op('Gather', [x, this.g.constI64([0])], { axis: 1 });
  }

  first(x: string): string {
    return this.g.op('Gather', [x, this.g.constI64([0], [])], { axis: 1 });
  }

  queryHeads(t: string, h: number, dh: number): string {
    return this.g.op('Mul', [this.heads(t, h, dh), this.g.constF32([1 / Math.sqrt(dh)], [])]);
  }

  /** Keys as [B,h,dh,S], ready for a plain MatMul. */
  keyHeads(t: string, h: number, dh: number): string {
    return this.g.op('Transpose', [this.g.op('Reshape', [t, this.g.constI64([0, 0, h, dh])])], { perm: [0, 2, 3, 1] });
  }

  heads(t: string, h: number, dh: number): string {
    return this.g.op('Transpose', [this.g.op('Reshape', [t, this.g.constI64([0, 0, h, dh])])], { perm: [0, 2, 1, 3] });
  }

  scores(q: string, k: string): string {
    return this.g.op('MatMul', [q, k]);
  }

  matmul(a: string, b: string): string {
    return this.g.op('MatMul', [a, b]);
  }

  mergeHeads(t: string, width: number): string {
    return this.g.op('Reshape', [this.g.op('Transpose', [t], { perm: [0, 2, 1, 3] }), this.g.constI64([0, 0, width])]);
  }
}

/** DistilBERT over a fresh ONNX graph `name`. */
export function onnxDistilBert(c: DistilBertConfig, params: Params, name: string): { g: GraphBuilder; m: DistilBert<string> } {
  const g = new GraphBuilder(name);
  return { g, m: new DistilBert(new OnnxBackend(g, params), c) };
}

/** The full inference graph: inputs input_ids, attention_mask (int64 [B,S]); output logits [B,labels]. */
export function buildInferenceGraph(c: DistilBertConfig, params: Params, name = 'distilbert'): BuiltGraph {
  const { g, m } = onnxDistilBert(c, params, name);
  const ids = g.input('input_ids', DT.INT64, ['batch', 'sequence']);
  const mask = g.input('attention_mask', DT.INT64, ['batch', 'sequence']);
  const x = m.embeddings(ids);
  const hidden = m.blocks(x, m.b.maskBias(mask), 0, c.nLayers);
  g.op('Identity', [m.classify(hidden)], {}, 'logits');
  g.output('logits', DT.FLOAT, ['batch', c.labels.length]);
  return g.build(17, `DistilBertForSequenceClassification layers=${c.nLayers} dim=${c.dim} heads=${c.layerHeads.join(',')} ffn=${c.layerHiddenDims.join(',')}`);
}
