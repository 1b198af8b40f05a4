/**
 * One shared WebAssembly memory for the row data the wasm kernels (kernels.ts) read and write:
 * row-major codes, the code columns, packed gradients, the row index and its partition scratch,
 * the side table, the gradient pass's inputs (exp(-margin), last leaf, labels, leaf factors) and
 * one histogram per thread. Shared (its buffer is a SharedArrayBuffer), so the
 * worker threads see the same rows as before (threads.ts) and each instantiates the kernels over it.
 * It never grows: the typed-array views over it stay valid.
 */
import { Wasm, type WasmMemory } from './webassembly.js';
import { FEATURE_BYTES, type KernelAddresses } from './kernels.js';

const PAGE = 65536;
/** wasm32 addresses: at most 4 GiB (65536 pages). */
const MAX_PAGES = 65536;
/** Every region starts on its own cache line. */
const ALIGN = 64;

export interface RowMemory {
  memory: WasmMemory;
  n: number;
  nF: number;
  /** Byte addresses. */
  codes: number;
  gh: number;
  idx: number;
  right: number;
  side: number;
  expNeg: number;
  leafOf: number;
  leafExp: number;
  labels: number;
  maxLeaves: number;
  /** Code column of each feature. */
  cols: number[];
  /** Histogram of each thread (nF * FEATURE_BYTES each). */
  hists: number[];
}

/**
 * Off: quantised training uses the JS kernels too. For tests (the two must grow the same trees) and
 * A/B timing; read when training starts, on the main thread.
 */
export const wasmRowKernels = { enabled: true };

/** The memory for n rows, nF features and `threads` threads, or null when it does not fit in wasm32 (or cannot be allocated). */
export function allocRowMemory(n: number, nF: number, threads: number, maxLeaves: number): RowMemory | null {
  if (!wasmRowKernels.enabled) return null;
  let at = 0;
  const take = (bytes: number) => {
    const a = at;
    at += Math.ceil(bytes / ALIGN) * ALIGN;
    return a;
  };
  // Histograms first: small, and their addresses (baked into the kernels) stay small constants.
  const hists = Array.from({ length: threads }, () => take(nF * FEATURE_BYTES));
  const side = take(256);
  const leafExp = take(maxLeaves * 8);
  const expNeg = take(n * 8);
  const leafOf = take(n * 2);
  const labels = take(n);
  const gh = take(n * 8);
  const idx = take(n * 4);
  const right = take(n * 4);
  const codes = take(n * nF);
  const cols = Array.from({ length: nF }, () => take(n));
  const pages = Math.max(1, Math.ceil(at / PAGE));
  if (pages > MAX_PAGES) return null;
  let memory: WasmMemory;
  try {
    memory = new Wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
  return { memory, n, nF, codes, gh, idx, right, side, expNeg, leafOf, leafExp, labels, maxLeaves, cols, hists };
}

/** Typed-array views of the regions (the layout RowData in threads.ts uses). */
export function rowViews(m: RowMemory) {
  const b = m.memory.buffer;
  return {
    codes: new Uint8Array(b, m.codes, m.n * m.nF),
    codesByFeature: m.cols.map((c) => new Uint8Array(b, c, m.n)),
    gh: new Float64Array(b, m.gh, m.n),
    idx: new Uint32Array(b, m.idx, m.n),
    right: new Uint32Array(b, m.right, m.n),
    sideTable: new Uint8Array(b, m.side, 256),
    expNeg: new Float64Array(b, m.expNeg, m.n),
    leafOf: new Uint16Array(b, m.leafOf, m.n),
    leafExp: new Float64Array(b, m.leafExp, m.maxLeaves),
    labels: new Uint8Array(b, m.labels, m.n),
  };
}

/** Thread `slot`'s histogram (packed layout), as a view. */
export function threadHist(m: RowMemory, slot: number): Float64Array {
  return new Float64Array(m.memory.buffer, m.hists[slot]!, m.nF * FEATURE_BYTES / 8);
}

/** The addresses thread `slot`'s kernels are generated for. */
export function kernelAddresses(m: RowMemory, slot: number): KernelAddresses {
  return { hist: m.hists[slot]!, codes: m.codes, gh: m.gh, idx: m.idx, right: m.right, side: m.side, expNeg: m.expNeg, leafOf: m.leafOf, leafExp: m.leafExp, labels: m.labels };
}
