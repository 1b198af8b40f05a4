/**
 * A small ONNX graph builder and ModelProto helpers on top of onnx-proto (the protobufjs classes).
 * Inference graphs (DistilBERT, quantised and pruned variants) are written with it; graph
 * transforms (quantisation) read a ModelProto, rewrite nodes and initializers, and save it back.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export { onnx };
export type ModelProto = InstanceType<typeof onnx.ModelProto>;
export type TensorProto = InstanceType<typeof onnx.TensorProto>;
export type NodeProto = InstanceType<typeof onnx.NodeProto>;

export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;

export type TypedData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | Uint16Array;

function dataTypeOf(data: TypedData): number {
  if (data instanceof Float32Array) return DT.FLOAT;
  if (data instanceof Int8Array) return DT.INT8;
  if (data instanceof Uint8Array) return DT.UINT8;
  if (data instanceof Int32Array) return DT.INT32;
  if (data instanceof BigInt64Array) return DT.INT64;
  return DT.FLOAT16;
}

/** A TensorProto holding `data` as raw little-endian bytes (compact on disk). */
export function tensorProto(name: string, data: TypedData, dims: number[]): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims}]`);
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: dataTypeOf(data),
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

/** Read a float TensorProto's values (raw or float_data) as a Float32Array (copy, aligned). */
export function floatValues(t: TensorProto): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData.length);
    copy.set(t.rawData);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

export function dimsOf(t: TensorProto): number[] {
  return (t.dims ?? []).map((d) => Number(d));
}

type AttrValue = number | number[] | string | TensorProto | { float: number };

function attribute(name: string, value: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
  }
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if ('float' in value) return { name, type: A.FLOAT, f: value.float };
  return { name, type: A.TENSOR, t: value };
}

export interface BuiltGraph {
  model: ModelProto;
  bytes: Uint8Array;
}

/** Builds one graph: named inputs, initializers, nodes (unique output names) and outputs. */
export class GraphBuilder {
  private nodes: NodeProto[] = [];
  private inits: TensorProto[] = [];
  private inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;
  private constCache = new Map<string, string>();
  usesMicrosoft = false;

  constructor(readonly name: string) {}

  input(name: string, elemType: number, shape: (number | string)[]): string {
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  output(name: string, elemType: number, shape: (number | string)[]): void {
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** Add an initializer (weights) and return its name. */
  init(name: string, data: TypedData, dims: number[]): string {
    this.inits.push(tensorProto(name, data, dims));
    return name;
  }

  /** A small shared constant initializer (shapes, axes, scalars). */
  constI64(values: number[], dims: number[] = [values.length]): string {
    const key = `i64:${values.join(',')}:${dims.join(',')}`;
    let n = this.constCache.get(key);
    if (!n) {
      n = `const_${this.counter++}`;
      this.init(n, BigInt64Array.from(values.map((v) => BigInt(v))), dims);
      this.constCache.set(key, n);
    }
    return n;
  }

  constF32(values: number[], dims: number[] = [values.length]): string {
    const key = `f32:${values.join(',')}:${dims.join(',')}`;
    let n = this.constCache.get(key);
    if (!n) {
      n = `const_${this.counter++}`;
      this.init(n, Float32Array.from(values), dims);
      this.constCache.set(key, n);
    }
    return n;
  }

  /** Add a node with one output; returns the output name (`out` or a fresh one). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string, domain = ''): string {
    return this.opN(opType, inputs, 1, attrs, out ? [out] : undefined, domain)[0];
  }

  opN(opType: string, inputs: string[], nOut: number, attrs: Record<string, AttrValue> = {}, outs?: string[], domain = ''): string[] {
    const outputs = outs ?? Array.from({ length: nOut }, (_, i) => `${opType.toLowerCase()}_${this.counter}_${i}`);
    this.counter++;
    if (domain === 'com.microsoft') this.usesMicrosoft = true;
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        domain,
        input: inputs,
        output: outputs,
        name: `${opType}_${this.counter}`,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outputs;
  }

  build(opset = 17, docString = ''): BuiltGraph {
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.nodes,
      initializer: this.inits,
      input: this.inputs,
      output: this.outputs,
    });
    const opsetImport = [{ domain: '', version: opset }];
    if (this.usesMicrosoft) opsetImport.push({ domain: 'com.microsoft', version: 1 });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'verde',
      docString,
      opsetImport,
      graph,
    });
    return { model, bytes: encodeModel(model) };
  }
}

function valueInfo(name: string, elemType: number, shape: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}
