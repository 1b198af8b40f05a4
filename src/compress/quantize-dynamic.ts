/**
 * Dynamic int8 quantisation as an ONNX graph transform (what onnxruntime's quantize_dynamic does,
 * done here in TypeScript): every MatMul whose B is a float initializer becomes a com.microsoft
 * DynamicQuantizeMatMul with int8 weights (symmetric, per output column or per tensor) and the
 * following bias Add folded in; activations are quantised to uint8 at run time by the kernel.
 * Large embedding tables read by Gather are stored as int8 rows with one scale per row and
 * dequantised after the lookup, so the file shrinks to about a quarter (Linear layers alone would
 * leave half of DistilBERT's bytes in fp32 embeddings).
 */
import { onnx, type ModelProto, type NodeProto, type TensorProto, tensorProto, floatValues, dimsOf, DT } from '../engine/onnx-graph.js';

export interface QuantizeOptions {
  /** One scale per output column (default) or one per tensor. */
  perChannel?: boolean;
  /** 7-bit weights (range ±63) instead of 8-bit (±127); see cpu-features.ts. */
  reduceRange?: boolean;
  /** Quantise Gather'd embedding tables with at least this many elements (default 65536; Infinity: never). */
  embeddingMinElements?: number;
}

export interface QuantizeReport {
  matmuls: number;
  biasesFolded: number;
  embeddings: number;
  weightBits: 7 | 8;
  perChannel: boolean;
}

function quantizeColumns(w: Float32Array, rows: number, cols: number, qmax: number, perChannel: boolean): { q: Int8Array; scale: Float32Array } {
  const nScales = perChannel ? cols : 1;
  const maxAbs = new Float32Array(nScales);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[base + c]);
      const k = perChannel ? c : 0;
      if (a > maxAbs[k]) maxAbs[k] = a;
    }
  }
  const scale = maxAbs.map((m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = Math.round(w[base + c] / scale[perChannel ? c : 0]);
      q[base + c] = v > qmax ? qmax : v < -qmax ? -qmax : v;
    }
  }
  return { q, scale };
}

/** Per-row symmetric int8 (±127) for embedding tables: each looked-up row carries its own scale. */
function quantizeRows(w: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(w.length);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(w[r * cols + c]));
    const s = m > 0 ? m / 127 : 1;
    scale[r] = s;
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(w[r * cols + c] / s);
  }
  return { q, scale };
}

/** Rewrite `model` (a decoded ModelProto, modified in place and returned) to dynamic int8. */
export function quantizeDynamic(model: ModelProto, opts: QuantizeOptions = {}): { model: ModelProto; report: QuantizeReport } {
  const perChannel = opts.perChannel ?? true;
  const qmax = opts.reduceRange ? 63 : 127;
  const embMin = opts.embeddingMinElements ?? 65536;
  const graph = model.graph!;
  const inits = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) inits.set(t.name!, t as TensorProto);
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.node ?? []) for (const i of n.input ?? []) {
    if (!consumers.has(i)) consumers.set(i, []);
    consumers.get(i)!.push(n as NodeProto);
  }
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name));
  const isFloat2d = (name: string) => {
    const t = inits.get(name);
    return !!t && t.dataType === DT.FLOAT && (t.dims?.length ?? 0) === 2;
  };

  const report: QuantizeReport = { matmuls: 0, biasesFolded: 0, embeddings: 0, weightBits: opts.reduceRange ? 7 : 8, perChannel };
  const dropped = new Set<NodeProto>();
  const newNodes = new Map<NodeProto, NodeProto[]>();
  const newInits: TensorProto[] = [];

  for (const node of (graph.node ?? []) as NodeProto[]) {
    if (node.opType === 'MatMul' && (node.domain ?? '') === '' && isFloat2d(node.input![1])) {
      const wName = node.input![1];
      const w = inits.get(wName)!;
      const [rows, cols] = dimsOf(w);
      const { q, scale } = quantizeColumns(floatValues(w), rows, cols, qmax, perChannel);
      const sDims = perChannel ? [cols] : [];
      const qn = `${wName}_int8`, sn = `${wName}_scale`, zn = `${wName}_zero`;
      newInits.push(tensorProto(qn, q, [rows, cols]), tensorProto(sn, scale, sDims), tensorProto(zn, new Int8Array(scale.length), sDims));
      // Fold the bias: MatMul -> Add(const [cols]) when the Add is the MatMul's only reader.
      const out = node.output![0];
      const readers = consumers.get(out) ?? [];
      let bias = '';
      let finalOut = out;
      if (readers.length === 1 && !graphOutputs.has(out) && readers[0].opType === 'Add') {
        const add = readers[0];
        const other = add.input![0] === out ? add.input![1] : add.input![0];
        const b = inits.get(other);
        if (b && b.dataType === DT.FLOAT && dimsOf(b).length === 1 && dimsOf(b)[0] === cols) {
          bias = other;
          finalOut = add.output![0];
          dropped.add(add);
          report.biasesFolded++;
        }
      }
      const inputs = [node.input![0], qn, sn, zn];
      if (bias) inputs.push(bias);
      newNodes.set(node, [
        onnx.NodeProto.create({ opType: 'DynamicQuantizeMatMul', domain: 'com.microsoft', name: `${node.name}_int8`, input: inputs, output: [finalOut] }) as NodeProto,
      ]);
      report.matmuls++;
    } else if (node.opType === 'Gather' && isFloat2d(node.input![0])) {
      const tName = node.input![0];
      const t = inits.get(tName)!;
      const [rows, cols] = dimsOf(t);
      if (rows * cols < embMin) continue;
      const axis = node.attribute?.find((a) => a.name === 'axis');
      if (axis && Number(axis.i) !== 0) continue;
      const { q, scale } = quantizeRows(floatValues(t), rows, cols);
      const qn = `${tName}_int8`, sn = `${tName}_row_scale`;
      newInits.push(tensorProto(qn, q, [rows, cols]), tensorProto(sn, scale, [rows, 1]));
      const ids = node.input![1];
      const out = node.output![0];
      const base = node.name ?? tName;
      newNodes.set(node, [
        onnx.NodeProto.create({ opType: 'Gather', name: `${base}_q`, input: [qn, ids], output: [`${out}_q`] }) as NodeProto,
        onnx.NodeProto.create({ opType: 'Cast', name: `${base}_cast`, input: [`${out}_q`], output: [`${out}_qf`], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT }] }) as NodeProto,
        onnx.NodeProto.create({ opType: 'Gather', name: `${base}_s`, input: [sn, ids], output: [`${out}_s`] }) as NodeProto,
        onnx.NodeProto.create({ opType: 'Mul', name: `${base}_deq`, input: [`${out}_qf`, `${out}_s`], output: [out] }) as NodeProto,
      ]);
      report.embeddings++;
    }
  }

  const nodes: NodeProto[] = [];
  for (const n of (graph.node ?? []) as NodeProto[]) {
    if (dropped.has(n)) continue;
    nodes.push(...(newNodes.get(n) ?? [n]));
  }
  graph.node = nodes;
  const used = new Set<string>();
  for (const n of nodes) for (const i of n.input ?? []) used.add(i);
  for (const o of graph.output ?? []) used.add(o.name!);
  graph.initializer = [...(graph.initializer ?? []).filter((t) => used.has(t.name!)), ...newInits];
  if (!(model.opsetImport ?? []).some((o) => o.domain === 'com.microsoft')) {
    model.opsetImport = [...(model.opsetImport ?? []), { domain: 'com.microsoft', version: 1 }];
  }
  return { model, report };
}
