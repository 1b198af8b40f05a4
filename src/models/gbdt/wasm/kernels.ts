/**
 * The quantised histogram kernels and the partitions as WebAssembly, generated per feature count,
 * active-feature list and memory layout (like histogram-kernels.ts does in JS): every histogram,
 * code, gradient, index and side-table address is a constant in an instruction's offset immediate,
 * so a histogram add is movzx + shl + load/add/store, with no bounds checks (V8 guards wasm32
 * memory with guard pages). Each thread instantiates its own copy over the one shared memory
 * (row-memory.ts), with its own histogram address baked in.
 *
 * Measured (1M rows x 15 features of the bench data, 13 active, blocks of 4096 rows, interleaved,
 * median of 15, bench lock, load ~1.5): the root kernel qAll 13.9 ms in JS vs 8.1 ms as wasm with
 * the histogram address passed in (1.7x), 7.4 ms with it baked in (another 9%); qIndexed on a
 * 30% subset 6.0 vs 3.8 ms (1.58x); the partition of 1M rows 2.8 vs 1.8 ms (1.56x). Repeated on a
 * busier machine (load ~2): 1.8-3.0x, 1.6-2.0x and 1.6-1.9x. Histograms use the packed layout
 * (grad-quant.ts): 2 float64 slots per bin, 16 bytes. Unlike the JS kernels the feature loop is
 * always unrolled (about 40 bytes of code per feature; the tests cover 70 features).
 */
import { Wasm, type WasmMemory } from './webassembly.js';
import { encodeModule, F64, I32, memarg, OP, sleb, uleb, type FuncDef } from './encoder.js';
import { gradientsFunc, type GradientAddresses } from './gradients.js';

const { localGet: get, localSet: set, localTee: tee } = OP;
const i32 = (n: number) => [OP.i32Const, ...sleb(n)];
const f64One = [OP.f64Const, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];

/** One feature's packed histogram in bytes: 256 bins x 2 slots x 8 bytes (Q_HIST_STRIDE * 8). */
export const FEATURE_BYTES = 256 * 2 * 8;

/** Byte addresses in the shared memory the kernels read and write (row-memory.ts lays them out). */
export interface KernelAddresses extends GradientAddresses {
  /** This thread's histogram (nF * FEATURE_BYTES). */
  hist: number;
  /** Row-major codes, n * nF bytes. */
  codes: number;
  /** Packed gradients, n float64. */
  gh: number;
  /** Row index and partition scratch, n uint32 each. */
  idx: number;
  right: number;
  /** The 256-entry side table (1 = left) of the split being applied. */
  side: number;
}

/** hist[f][code] += v (and count += 1 when counting), for each active feature; codes at local B (+ CODES + f). */
function histAdds(active: readonly number[], a: KernelAddresses, B: number, V: number, T: number, counting: boolean): number[] {
  return active.flatMap((f) => {
    const off = a.hist + f * FEATURE_BYTES;
    return [
      get, B, OP.i32Load8U, ...memarg(0, a.codes + f), ...i32(4), OP.i32Shl, tee, T,
      get, T, OP.f64Load, ...memarg(3, off), get, V, OP.f64Add, OP.f64Store, ...memarg(3, off),
      ...(counting ? [get, T, get, T, OP.f64Load, ...memarg(3, off + 8), ...f64One, OP.f64Add, OP.f64Store, ...memarg(3, off + 8)] : []),
    ];
  });
}

/** qAll(start, end): rows start..end in order, packed g/h only (the root's counts are cached). */
function qAll(nF: number, active: readonly number[], a: KernelAddresses): FuncDef {
  // Params start, end; then P (gh byte offset, 8 per row), PE (its end), B (codes offset), V, T.
  const [START, END, P, PE, B, V, T] = [0, 1, 2, 3, 4, 5, 6];
  const code = [
    OP.block, OP.void,
    get, START, get, END, OP.i32GeU, OP.brIf, 0,
    get, START, ...i32(3), OP.i32Shl, set, P,
    get, END, ...i32(3), OP.i32Shl, set, PE,
    get, START, ...i32(nF), OP.i32Mul, set, B,
    OP.loop, OP.void,
    get, P, OP.f64Load, ...memarg(3, a.gh), set, V,
    ...histAdds(active, a, B, V, T, false),
    get, B, ...i32(nF), OP.i32Add, set, B,
    get, P, ...i32(8), OP.i32Add, tee, P, get, PE, OP.i32LtU, OP.brIf, 0,
    OP.end,
    OP.end,
  ];
  return { name: 'qAll', params: [I32, I32], results: [], locals: [I32, I32, I32, F64, I32], code };
}

/**
 * qIndexed(rows, start, end): rows r = rows[start..end) (rows: the byte address of idx or right),
 * packed g/h and counts.
 */
function qIndexed(nF: number, active: readonly number[], a: KernelAddresses): FuncDef {
  const [ROWS, START, END, P, PE, B, V, T, R] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const code = [
    OP.block, OP.void,
    get, START, get, END, OP.i32GeU, OP.brIf, 0,
    get, ROWS, get, START, ...i32(2), OP.i32Shl, OP.i32Add, set, P,
    get, ROWS, get, END, ...i32(2), OP.i32Shl, OP.i32Add, set, PE,
    OP.loop, OP.void,
    get, P, OP.i32Load, ...memarg(2, 0), tee, R,
    ...i32(3), OP.i32Shl, OP.f64Load, ...memarg(3, a.gh), set, V,
    get, R, ...i32(nF), OP.i32Mul, set, B,
    ...histAdds(active, a, B, V, T, true),
    get, P, ...i32(4), OP.i32Add, tee, P, get, PE, OP.i32LtU, OP.brIf, 0,
    OP.end,
    OP.end,
  ];
  return { name: 'qIndexed', params: [I32, I32, I32], results: [], locals: [I32, I32, I32, F64, I32, I32], code };
}

/** Rows per block of qIndexedTouch: their code lines and gradients stay in L1 until qIndexed reads them. */
const TOUCH_BLOCK = 64;

/**
 * qIndexedTouch(rows, start, end): qIndexed in blocks of TOUCH_BLOCK rows, each block first
 * "touched" (every row's first and last code byte and its gradient loaded in a tight loop), so the
 * block's cache misses overlap instead of queueing behind the adds (histogram.ts's
 * touchAheadHistogram, for thinly scattered rows). Returns a value of the touched bytes, so the
 * loads are not dead code.
 */
function qIndexedTouch(nF: number, a: KernelAddresses, qIndexedIndex: number): FuncDef {
  const [ROWS, START, END, B0, B1, J, R, ACC] = [0, 1, 2, 3, 4, 5, 6, 7];
  const code = [
    get, START, set, B0,
    OP.block, OP.void,
    OP.loop, OP.void,
    get, B0, get, END, OP.i32GeU, OP.brIf, 1,
    // b1 = min(end, b0 + TOUCH_BLOCK)
    get, B0, ...i32(TOUCH_BLOCK), OP.i32Add, tee, B1, get, END, get, B1, get, END, OP.i32LtU, OP.select, set, B1,
    get, ROWS, get, B0, ...i32(2), OP.i32Shl, OP.i32Add, set, J,
    OP.loop, OP.void,
    get, J, OP.i32Load, ...memarg(2, 0), tee, R, ...i32(nF), OP.i32Mul, tee, R,
    OP.i32Load8U, ...memarg(0, a.codes), get, R, OP.i32Load8U, ...memarg(0, a.codes + nF - 1), OP.i32Xor,
    get, J, OP.i32Load, ...memarg(2, 0), ...i32(3), OP.i32Shl, OP.i32Load, ...memarg(2, a.gh), OP.i32Xor,
    get, ACC, OP.i32Xor, set, ACC,
    get, J, ...i32(4), OP.i32Add, tee, J, get, ROWS, get, B1, ...i32(2), OP.i32Shl, OP.i32Add, OP.i32LtU, OP.brIf, 0,
    OP.end,
    get, ROWS, get, B0, get, B1, OP.call, ...uleb(qIndexedIndex),
    get, B1, set, B0,
    OP.br, 0,
    OP.end,
    OP.end,
    get, ACC,
  ];
  return { name: 'qIndexedTouch', params: [I32, I32, I32], results: [I32], locals: [I32, I32, I32, I32, I32], code };
}

/** Rows per step of the unrolled partition: all loads of a block before its stores (see partition.ts). */
const PARTITION_UNROLL = 8;

/**
 * partition(start, end, col) -> left rows: partition.ts's partitionChunk (same order and results)
 * on idx[start..end) by the feature whose code column is at `col`; `identity` reads no index (the
 * rows are start..end themselves: partitionIdentity).
 */
function partition(a: KernelAddresses, identity: boolean): FuncDef {
  // Params start, end, col; then I (read offset, 4 per position), IE, W, NR (write offsets), and per
  // unrolled row its index and side.
  const [START, END, COL, I, IE, W, NR, R, L] = [0, 1, 2, 3, 4, 5, 6, 7, 8 + PARTITION_UNROLL - 1];
  const rk = (k: number) => R + k;
  const lk = (k: number) => L + k;
  const place = (r: number, l: number) => [
    get, W, get, r, OP.i32Store, ...memarg(2, a.idx),
    get, NR, get, r, OP.i32Store, ...memarg(2, a.right),
    get, W, get, l, ...i32(2), OP.i32Shl, OP.i32Add, set, W,
    get, NR, ...i32(4), OP.i32Add, get, l, ...i32(2), OP.i32Shl, OP.i32Sub, set, NR,
  ];
  // Row k of a block: idx[i + k], or i / 4 + k for the identity.
  const loadRow = (k: number) => (identity ? [get, I, ...i32(2), OP.i32ShrU, ...i32(k), OP.i32Add] : [get, I, OP.i32Load, ...memarg(2, a.idx + 4 * k)]);
  const sideOf = (r: number) => [get, r, get, COL, OP.i32Add, OP.i32Load8U, ...memarg(0, 0), OP.i32Load8U, ...memarg(0, a.side)];
  const ks = Array.from({ length: PARTITION_UNROLL }, (_, k) => k);
  const code = [
    get, START, ...i32(2), OP.i32Shl, tee, I, tee, W, set, NR,
    get, END, ...i32(2), OP.i32Shl, set, IE,
    // Unrolled blocks while a whole block fits (leave when IE < I + 4 * UNROLL).
    OP.block, OP.void,
    OP.loop, OP.void,
    get, IE, get, I, ...i32(4 * PARTITION_UNROLL), OP.i32Add, OP.i32LtU, OP.brIf, 1,
    ...ks.flatMap((k) => [...loadRow(k), set, rk(k)]),
    ...ks.flatMap((k) => [...sideOf(rk(k)), set, lk(k)]),
    ...ks.flatMap((k) => place(rk(k), lk(k))),
    get, I, ...i32(4 * PARTITION_UNROLL), OP.i32Add, set, I,
    OP.br, 0,
    OP.end,
    OP.end,
    // The rest one row at a time.
    OP.block, OP.void,
    OP.loop, OP.void,
    get, I, get, IE, OP.i32GeU, OP.brIf, 1,
    ...loadRow(0), set, rk(0),
    ...sideOf(rk(0)), set, lk(0),
    ...place(rk(0), lk(0)),
    get, I, ...i32(4), OP.i32Add, set, I,
    OP.br, 0,
    OP.end,
    OP.end,
    get, W, get, START, ...i32(2), OP.i32Shl, OP.i32Sub, ...i32(2), OP.i32ShrU,
  ];
  const locals = [I32, I32, I32, I32, ...ks.map(() => I32), ...ks.map(() => I32)];
  return { name: identity ? 'partitionIdentity' : 'partition', params: [I32, I32, I32], results: [I32], locals, code };
}

export interface WasmKernels {
  /** Rows start..end in order into this thread's histogram (g/h only). */
  qAll(start: number, end: number): void;
  /** Rows rows[start..end) (rows: byte address of idx or right) into this thread's histogram, with counts. */
  qIndexed(rows: number, start: number, end: number): void;
  /** partitionChunk / partitionIdentity (partition.ts) on idx/right by the code column at byte address col. */
  partition(start: number, end: number, col: number): number;
  partitionIdentity(start: number, end: number, col: number): number;
  /** qIndexed with touch-ahead blocks (for thin nodes); returns a throw-away value. */
  qIndexedTouch(rows: number, start: number, end: number): number;
  /** quantisedGradients (grad-quant.ts) without the loss, rows start..end (gradients.ts). */
  gradients(start: number, end: number, w: number, invGStep: number, invHStep: number, twoK: number, salt: number): void;
}

export function kernelModuleBytes(pages: number, nF: number, active: readonly number[], a: KernelAddresses): Uint8Array {
  const funcs = [qAll(nF, active, a), qIndexed(nF, active, a), partition(a, false), partition(a, true), gradientsFunc(a)];
  // qIndexedTouch calls qIndexed by its index in the module.
  return encodeModule(pages, [...funcs, qIndexedTouch(nF, a, funcs.findIndex((f) => f.name === 'qIndexed'))]);
}

/** Instantiate the kernels over `memory` (synchronously: the module is a few KB). */
export function wasmKernels(memory: WasmMemory, nF: number, active: readonly number[], a: KernelAddresses): WasmKernels {
  const pages = memory.buffer.byteLength / 65536;
  const mod = new Wasm.Module(kernelModuleBytes(pages, nF, active, a));
  return new Wasm.Instance(mod, { env: { mem: memory } }).exports as unknown as WasmKernels;
}
