/**
 * Emit an ONNX ModelProto (opset 17, plus ORT's com.microsoft domain) for the part of a Graph
 * needed to compute chosen outputs. Parameters become graph inputs (training: fed every step,
 * not copied) or initializers (a standalone exported model). In 'infer' mode, training-only nodes
 * (Dropout) become identities and unused optional outputs are dropped.
 */
import onnxProto from 'onnx-proto';
import type { Graph, Node, Tensor, Attr } from './graph.js';
import { type DType, type TypedArray, ONNX_DTYPE } from './types.js';

const { onnx } = onnxProto;

export const OPSET = 17;
/** Ops whose trailing outputs are optional in ONNX (dropped when nothing reads them). */
const OPTIONAL_TRAILING_OUTPUTS = new Set(['LayerNormalization', 'Dropout']);

export interface EmitOptions {
  /** Graph outputs: tensor, optionally under another name. */
  outputs: { name?: string; tensor: Tensor }[];
  mode: 'train' | 'infer';
  params: 'inputs' | 'initializers';
  /** Values for parameters emitted as initializers (default: their initial values). */
  paramValues?: Map<string, Float32Array>;
  /** Free text stored in the model (ModelProto.doc_string). */
  docString?: string;
}

export interface EmittedModel {
  bytes: Uint8Array;
  /** Graph inputs in order (data inputs and, when params are inputs, the parameters). */
  inputs: string[];
  outputs: string[];
  /** Parameters the model reads. */
  params: string[];
}

function attrProto(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('s' in a) return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: T.INTS, ints: a.ints };
  return { name, type: T.FLOATS, floats: a.floats };
}

function valueInfo(t: { name: string; dtype: DType; shape: readonly (number | string)[] }, name = t.name): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[t.dtype],
        shape: { dim: t.shape.map((d) => (typeof d === 'number' && d >= 0 ? { dimValue: d } : { dimParam: String(d) })) },
      },
    },
  };
}

export function tensorProto(name: string, dtype: DType, dims: readonly number[], data: TypedArray): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims: [...dims],
    dataType: ONNX_DTYPE[dtype],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** The nodes needed for `outputs`, in construction order, honouring inference identities. */
function neededNodes(g: Graph, outputs: Tensor[], mode: 'train' | 'infer'): Node[] {
  const need = new Set<number>();
  const stack = outputs.map((t) => t.producer).filter((n): n is Node => !!n);
  while (stack.length) {
    const n = stack.pop()!;
    if (need.has(n.id)) continue;
    need.add(n.id);
    const ins = mode === 'infer' && n.inferenceIdentity ? [n.inputs[0]] : n.inputs;
    for (const t of ins) if (t?.producer && !need.has(t.producer.id)) stack.push(t.producer);
  }
  return g.nodes.filter((n) => need.has(n.id));
}

export function emitModel(g: Graph, opts: EmitOptions): EmittedModel {
  const outTensors = opts.outputs.map((o) => o.tensor);
  const nodes = neededNodes(g, outTensors, opts.mode);
  const used = new Set<string>();
  for (const n of nodes) {
    const ins = opts.mode === 'infer' && n.inferenceIdentity ? [n.inputs[0]] : n.inputs;
    for (const t of ins) if (t) used.add(t.name);
  }
  for (const t of outTensors) used.add(t.name);

  // Graph outputs take their requested names by renaming the producing node's output, not by an
  // Identity node: ORT would run that Identity as a full copy (for a 67M-float model state, ~0.5 s
  // per step). Only inputs or tensors exported under two names still need an Identity.
  const graphInputNames = new Set([...g.inputs, ...g.params].map((t) => t.name));
  const rename = new Map<string, string>();
  const aliases: { from: string; to: string }[] = [];
  for (const o of opts.outputs) {
    const name = o.name ?? o.tensor.name;
    if (name === o.tensor.name) continue;
    const isConst = g.constants.some((c) => c.tensor === o.tensor);
    if (graphInputNames.has(o.tensor.name) || isConst || rename.has(o.tensor.name) || opts.outputs.some((p) => (p.name ?? p.tensor.name) === o.tensor.name)) {
      aliases.push({ from: o.tensor.name, to: name });
    } else rename.set(o.tensor.name, name);
  }
  const nm = (t: string) => rename.get(t) ?? t;

  const nodeProtos: onnxProto.onnx.INodeProto[] = [];
  for (const n of nodes) {
    if (opts.mode === 'infer' && n.inferenceIdentity) {
      nodeProtos.push({ opType: 'Identity', input: [nm(n.inputs[0]!.name)], output: [nm(n.outputs[0].name)], name: `n${n.id}` });
      continue;
    }
    let outs = n.outputs.map((o) => o.name);
    if (OPTIONAL_TRAILING_OUTPUTS.has(n.opType)) {
      while (outs.length > 1 && !used.has(outs[outs.length - 1])) outs.pop();
      outs = outs.map((o, i) => (i === 0 || used.has(o) ? o : ''));
    }
    nodeProtos.push({
      opType: n.opType,
      domain: n.domain || undefined,
      input: n.inputs.map((t) => (t ? nm(t.name) : '')),
      output: outs.map((o) => (o ? nm(o) : '')),
      name: `n${n.id}`,
      attribute: Object.entries(n.attrs).map(([k, v]) => attrProto(k, v)),
    });
  }

  const inputs: onnxProto.onnx.IValueInfoProto[] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  const inputNames: string[] = [];
  for (const t of g.inputs) {
    if (used.has(t.name)) {
      inputs.push(valueInfo(t));
      inputNames.push(t.name);
    }
  }
  const params: string[] = [];
  for (const p of g.params) {
    if (!used.has(p.name)) continue;
    params.push(p.name);
    if (opts.params === 'inputs') {
      inputs.push(valueInfo(p));
      inputNames.push(p.name);
    } else {
      const v = opts.paramValues?.get(p.name) ?? p.init;
      if (v.length !== p.size) {
        throw new Error(`emitModel: no values for parameter ${p.name} (its initial values moved to a training session: pass paramValues from session.getParams())`);
      }
      initializers.push(tensorProto(p.name, 'float32', p.dims, v));
    }
  }
  for (const c of g.constants) if (used.has(c.tensor.name)) initializers.push(tensorProto(c.tensor.name, c.tensor.dtype, c.dims, c.data));

  // graph outputs under their requested names
  const outputs: onnxProto.onnx.IValueInfoProto[] = [];
  const outputNames: string[] = [];
  for (const { from, to } of aliases) nodeProtos.push({ opType: 'Identity', input: [nm(from)], output: [to], name: `out_${to}` });
  for (const o of opts.outputs) {
    const name = o.name ?? o.tensor.name;
    outputs.push(valueInfo(o.tensor, name));
    outputNames.push(name);
  }

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'verde',
    docString: opts.docString,
    opsetImport: [
      { domain: '', version: OPSET },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: { name: g.name, node: nodeProtos, input: inputs, output: outputs, initializer: initializers },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs: inputNames, outputs: outputNames, params };
}
