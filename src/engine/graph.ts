/**
 * The graph builder. A Graph records parameters (with initial values), inputs (with symbolic
 * dims), constants and nodes. Every op function in ops/ checks shapes and dtypes when it is called
 * — so a mistake fails at build time naming the op and the shapes — and records, beside its node,
 * the rule that differentiates it (see autodiff.ts). Nothing here runs anything: onnx.ts turns a
 * Graph into an ONNX ModelProto, and runtime/ executes it with ONNX Runtime.
 */
import { UserError } from '../util/errors.js';
import { type DType, type Shape, type TypedArray, formatShape, numel } from './types.js';

export type Attr = { i: number } | { f: number } | { s: string } | { ints: number[] } | { floats: number[] };

/** Given the gradients of a node's outputs (undefined where none flows), return one per input. */
export type GradRule = (node: Node, dOutputs: (Tensor | undefined)[]) => (Tensor | undefined)[];

export interface Node {
  id: number;
  opType: string;
  domain: string; // '' for the standard ONNX domain, 'com.microsoft' for ORT contrib ops
  inputs: (Tensor | null)[]; // null marks an omitted optional input
  outputs: Tensor[];
  attrs: Record<string, Attr>;
  grad?: GradRule;
  /** When exporting for inference, replace this node by an identity of input 0 (e.g. Dropout). */
  inferenceIdentity?: boolean;
}

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly producer?: Node,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `${this.name}:${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface ParamOptions {
  /** Frozen parameters get no gradient and no optimiser state (feature extraction, partial fine-tuning). */
  trainable?: boolean;
  /** Whether AdamW's decoupled weight decay applies (default true). */
  weightDecay?: boolean;
}

export class Param extends Tensor {
  trainable: boolean;
  weightDecay: boolean;
  constructor(graph: Graph, name: string, shape: readonly number[], public init: Float32Array, opts: ParamOptions) {
    super(graph, name, 'float32', shape);
    this.trainable = opts.trainable ?? true;
    this.weightDecay = opts.weightDecay ?? true;
  }
  get dims(): number[] {
    return this.shape as number[];
  }
  /** Number of elements. */
  get size(): number {
    return numel(this.dims);
  }
  /** Whether `init` was handed to a training worker (then read values with session.getParams()). */
  get initReleased(): boolean {
    return this.init.length !== this.size;
  }
  releaseInit(): void {
    this.init = new Float32Array(0);
  }
}

export interface Constant {
  tensor: Tensor;
  data: TypedArray;
  dims: number[];
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: Param[] = [];
  readonly constants: Constant[] = [];
  private readonly names = new Set<string>();
  private readonly scalarCache = new Map<string, Tensor>();
  private counter = 0;
  /** Base seed for ops that draw random numbers (Dropout); each such op takes seed + its index. */
  seed = 0;
  private randomOps = 0;

  /** `seed` makes random ops (Dropout) reproducible; set it before building them. */
  constructor(readonly name = 'verde', opts: { seed?: number } = {}) {
    this.seed = opts.seed ?? 0;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new UserError(`graph ${this.name}: the name "${name}" is already used`);
    this.names.add(name);
    return name;
  }

  /** A fresh unique name for an intermediate value. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return this.claim(name);
  }

  /** A graph input fed at every run. Dims may be symbolic: input('ids', 'int64', ['batch', 'seq']). */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    const t = new Tensor(this, this.claim(name), dtype, [...shape]);
    this.inputs.push(t);
    return t;
  }

  /** A trainable float32 parameter with its initial values (see init.ts for initialisers). */
  param(name: string, shape: readonly number[], init: Float32Array | ((n: number) => Float32Array), opts: ParamOptions = {}): Param {
    const n = numel(shape);
    const values = typeof init === 'function' ? init(n) : init;
    if (values.length !== n) {
      throw new UserError(`param ${name}: ${values.length} initial values for shape ${formatShape(shape)} (${n} expected)`);
    }
    const p = new Param(this, this.claim(name), [...shape], values, opts);
    this.params.push(p);
    return p;
  }

  /** An embedded constant (kept as an initializer in every emitted model). */
  constant(data: TypedArray, dims: number[], dtype: DType, name?: string): Tensor {
    if (data.length !== numel(dims)) throw new Error(`constant: ${data.length} values for dims ${formatShape(dims)}`);
    const t = new Tensor(this, name ? this.claim(name) : this.fresh('const'), dtype, [...dims]);
    this.constants.push({ tensor: t, data, dims: [...dims] });
    return t;
  }

  /** A cached scalar constant (rank 0 unless dims given) of the given dtype. */
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const key = `${dtype}:${value}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      const data =
        dtype === 'int64'
          ? BigInt64Array.of(BigInt(value))
          : dtype === 'int32'
            ? Int32Array.of(value)
            : dtype === 'bool'
              ? Uint8Array.of(value ? 1 : 0)
              : dtype === 'float64'
                ? Float64Array.of(value)
                : Float32Array.of(value);
      t = this.constant(data, [], dtype);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** A 1-D int64 constant, e.g. axes or a shape. */
  int64s(values: readonly number[]): Tensor {
    const key = `i64s:${values.join(',')}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant(BigInt64Array.from(values, (v) => BigInt(v)), [values.length], 'int64');
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /**
   * Record a node. `outs` gives each output's dtype and shape (already inferred and checked by the
   * op function). Returns the output tensors.
   */
  addNode(
    opType: string,
    inputs: (Tensor | null)[],
    outs: { dtype: DType; shape: Shape }[],
    attrs: Record<string, Attr> = {},
    extra: { domain?: string; grad?: GradRule; inferenceIdentity?: boolean; names?: string[] } = {},
  ): Tensor[] {
    for (const t of inputs) {
      if (t && t.graph !== this) throw new Error(`${opType}: input ${t.name} belongs to another graph`);
    }
    const node: Node = {
      id: this.nodes.length,
      opType,
      domain: extra.domain ?? '',
      inputs,
      outputs: [],
      attrs,
      grad: extra.grad,
      inferenceIdentity: extra.inferenceIdentity,
    };
    node.outputs = outs.map((o, i) => new Tensor(this, extra.names?.[i] ? this.claim(extra.names[i]) : this.fresh(opType), o.dtype, o.shape, node));
    this.nodes.push(node);
    return node.outputs;
  }

  /** Give an intermediate a stable, readable name by adding an Identity node (e.g. 'logits'). */
  named(t: Tensor, name: string): Tensor {
    const [out] = this.addNode('Identity', [t], [{ dtype: t.dtype, shape: t.shape }], {}, { names: [name], grad: (_n, [dy]) => [dy] });
    return out;
  }

  /** The next seed for a random op: deterministic given graph.seed and construction order. */
  nextSeed(): number {
    return this.seed * 1000003 + this.randomOps++;
  }

  findParam(name: string): Param | undefined {
    return this.params.find((p) => p.name === name);
  }
}

/** Throw a build-time error that names the op and the shapes involved. */
export function opError(op: string, what: string, ...tensors: Tensor[]): never {
  const shapes = tensors.map((t) => `${t.name}${formatShape(t.shape)}:${t.dtype}`).join(', ');
  throw new UserError(`${op}: ${what}${shapes ? ` (${shapes})` : ''}`);
}
