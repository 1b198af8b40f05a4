/**
 * The engine's small vocabulary: element types, dimensions (numbers or symbolic names such as
 * 'batch'), and HostTensor, the plain typed-array tensor that crosses thread and API boundaries.
 */

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8';

/** A dimension: a fixed size, or a symbolic name bound at run time ('batch', 'seq'). */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type TypedArray =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Int8Array;

/** A tensor held in JS memory: what callers feed to a step and get back from it. */
export interface HostTensor {
  dtype: DType;
  dims: number[];
  data: TypedArray;
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'float64';
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocate a typed array of the right kind for a dtype. */
export function allocate(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'float16':
      return new Uint16Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
  }
}

/** Convenience constructor that checks the element count against the dims. */
export function hostTensor(dtype: DType, dims: number[], data?: TypedArray | number[]): HostTensor {
  const n = numel(dims);
  let arr: TypedArray;
  if (data === undefined) arr = allocate(dtype, n);
  else if (Array.isArray(data)) {
    arr = allocate(dtype, n);
    if (arr instanceof BigInt64Array) data.forEach((v, i) => ((arr as BigInt64Array)[i] = BigInt(Math.trunc(v))));
    else data.forEach((v, i) => ((arr as Float32Array)[i] = v));
  } else arr = data;
  if (arr.length !== n) throw new Error(`hostTensor: ${arr.length} values do not fill dims [${dims.join(',')}] (${n})`);
  return { dtype, dims, data: arr };
}
