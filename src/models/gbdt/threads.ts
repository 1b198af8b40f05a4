/**
 * The passes over rows (gradients + root histogram, node histograms, partitions) on one or more
 * threads: a node's rows are cut into equal ranges, this thread takes the first and worker_threads
 * the rest (histograms into each worker's own shared histogram, then summed; partitions joined in
 * order, see partition.ts). Small nodes stay on this thread: handing work over would cost more.
 *
 * Jobs go through a shared Int32Array with Atomics.wait/notify, not postMessage: a tree needs ~100
 * jobs of a few ms each, and messages (event loop, structured clone, wake-up) cost ~25 ms per tree
 * on the main thread (profiled). Both sides block only for the duration of one job.
 *
 * Quantised training runs the passes as WebAssembly (wasm/kernels.ts) over one shared memory
 * (wasm/row-memory.ts), each thread with its own instance; the JS kernels (histogram-kernels.ts,
 * partition.ts) do the rest and are the reference the wasm ones are tested against.
 */
import { Worker } from 'node:worker_threads';
import { buildHistogram, buildHistogramAll, GRADIENT_BLOCK, gradientsAndRootHistogram, histSize, quantisedGradientsAndRoot, rowDensity, setCounts, THIN_NODE_DENSITY, touchAheadHistogram } from './histogram.js';
import { kernels } from './histogram-kernels.js';
import { joinChunks, partitionChunk, partitionIdentity, placeRight } from './partition.js';
import type { HistogramBuilder } from './grow.js';
import { lossFromExpNeg } from './grad-quant.js';
import { wasmKernels, type WasmKernels } from './wasm/kernels.js';
import { kernelAddresses, threadHist, type RowMemory } from './wasm/row-memory.js';

/**
 * Rows per thread below which a pass stays on fewer threads. A job hand-over costs tens of µs; the
 * earlier 8192 / 32768 left the worker idle for ~45% of a 1M-row training (instrumented), lowering
 * them cut the main thread's share of split and histogram work by ~40%.
 */
const MIN_ROWS_PER_THREAD = 2048;
/** Partitioning (now also building the smaller child's histogram, see 'split') per row costs less than a histogram row. */
const MIN_PARTITION_ROWS_PER_THREAD = 4096;

/** Everything the row passes read and write; SharedArrayBuffer-backed when threads > 1. */
export interface RowData {
  /** Row-major codes (row r, feature f at r * nF + f): histograms. */
  codes: Uint8Array;
  /** The same codes column-major (one array per feature): partitioning reads one feature. */
  codesByFeature: Uint8Array[];
  nF: number;
  grad: Float32Array;
  hess: Float32Array;
  idx: Uint32Array;
  /** Partition scratch (length n): right-side rows, at the same offsets as their chunk. */
  right: Uint32Array;
  /** 256-entry side table (1 = left) of the split being applied. */
  sideTable: Uint8Array;
  margin: Float64Array;
  leafOf: Uint16Array;
  leafValue: Float64Array;
  labels: Uint8Array;
  posWeight: number;
  /** Packed quantised gradients (grad-quant.ts), length n; empty when training is not quantised. */
  gh: Float64Array;
  /** Quantisation parameters the workers read: 1/gStep, 1/hStep, 2^K, the round's salt. */
  quant: Float64Array;
  /** Quantised training: every row's exp(-margin) and every leaf's exp(-value) (see grad-quant.ts); else empty. */
  expNeg: Float64Array;
  leafExp: Float64Array;
  /** The last tree's leaf segments of idx, by position: segStart (ascending, then n) and their leaves. */
  segStart: Uint32Array;
  segLeaf: Uint16Array;
  /**
   * 1 for features with more than one bin (set after binning, before the first job): the only ones
   * the histogram kernels add, as no other can be split (see histogram-kernels.ts).
   */
  splittable: Uint8Array;
  /**
   * Quantised training with the wasm kernels (wasm/kernels.ts): codes, codesByFeature, gh, idx,
   * right and sideTable are views into this shared memory, and each thread's histogram is its slot
   * there. Null: the JS kernels (exact gradients, or data too large for a wasm32 memory).
   */
  wasm: RowMemory | null;
}

/** The splittable features' indices, computed at a thread's first job (the flags are set by then). */
const activeCache = new WeakMap<RowData, number[]>();
function activeFeatures(d: RowData): number[] {
  let a = activeCache.get(d);
  if (!a) {
    a = [];
    for (let f = 0; f < d.nF; f++) if (d.splittable[f]) a.push(f);
    activeCache.set(d, a);
  }
  return a;
}

export type RowMode = 'fused' | 'all' | 'idx' | 'split' | 'leaf';
/** One pass over rows [start, end); its result is the loss (fused) or the left-row count (split). */
export interface RowJob {
  mode: RowMode; start: number; end: number; withLoss?: boolean; feature?: number;
  /** split: also build the histogram of the smaller side (left when smallLeft) of the chunk's rows. */
  withHist?: boolean; smallLeft?: boolean;
  /** split: the rows are start..end themselves (the root), not idx[start..end). */
  identity?: boolean;
  /** split: the partition's last chunk, whose right rows this job places after its left rows (see joinChunks). */
  last?: boolean;
}

/** Job slots of a worker's control block (Int32Array); MODES indexes the mode. */
export const CTL = { SEQ: 0, DONE: 1, MODE: 2, START: 3, END: 4, WITH_LOSS: 5, FEATURE: 6, FAILED: 7, WITH_HIST: 8, SMALL_LEFT: 9, IDENTITY: 10, LAST: 11, SIZE: 12 } as const;
export const MODES: readonly (RowMode | 'stop')[] = ['fused', 'all', 'idx', 'split', 'leaf', 'stop'];

/** Whether a job adds into the thread's histogram. */
export function isHistogramJob(mode: RowMode, withHist: boolean): boolean {
  return mode === 'split' ? withHist : mode !== 'leaf';
}

/** What a worker gets at start (workerData); `slot` is its thread number (its histogram in d.wasm). */
export interface WorkerInit { data: RowData; hist: Float64Array; ctl: Int32Array; result: Float64Array; slot: number }

/** Partition jobs write no histogram. */
const NO_HIST = new Float64Array(0);

export function sharedCopy<T extends Uint8Array | Uint16Array | Float32Array | Uint32Array | Float64Array>(a: T): T {
  const C = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new C(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/** This thread's wasm kernels (one instance per thread, its histogram address baked in) and that histogram. */
const wasmCache = new WeakMap<RowData, { k: WasmKernels; own: Float64Array }>();
function threadKernels(d: RowData, m: RowMemory, slot: number): { k: WasmKernels; own: Float64Array } {
  let t = wasmCache.get(d);
  if (!t) {
    t = { k: wasmKernels(m.memory, d.nF, activeFeatures(d), kernelAddresses(m, slot)), own: threadHist(m, slot) };
    wasmCache.set(d, t);
  }
  return t;
}

/**
 * Below this share of rows over the rows' span, the wasm histogram of a node's rows takes the
 * touch-ahead blocks (qIndexedTouch). Measured ns/row (real codes, random ascending subsets of 1M
 * rows, 13 active features, wasm, bench lock): density 0.005: 75 -> 36, 0.01: 63 -> 30, 0.02: 54 ->
 * 27, 0.05: 36 -> 26, 0.1: 24.6 -> 25.2, 0.3: 19 -> 23. The faster adds leave more of the time to
 * cache misses than in JS (THIN_NODE_DENSITY), so the crossover is higher.
 */
const WASM_THIN_NODE_DENSITY = 0.08;

/** Histogram of rows[start..end) (rows: idx or right, at byte address addr) with the wasm kernels. */
function wasmIndexed(k: WasmKernels, rows: Uint32Array, addr: number, start: number, end: number): void {
  if (rowDensity(rows, start, end) < WASM_THIN_NODE_DENSITY) k.qIndexedTouch(addr, start, end);
  else k.qIndexed(addr, start, end);
}

/**
 * runRowJob with the wasm kernels: they add into thread `slot`'s histogram in the shared memory. A
 * worker (slot > 0) is given that histogram as its `hist` (createHistogramBuilder), so its kernels
 * add into it directly; for the main thread it is zeroed first and added into `hist` after (7680
 * doubles at 15 features: microseconds).
 */
function runWasmJob(d: RowData, m: RowMemory, hist: Float64Array, job: RowJob, slot: number): number {
  const { k, own } = threadKernels(d, m, slot);
  const direct = slot > 0;
  const histJob = isHistogramJob(job.mode, job.withHist === true);
  if (histJob && !direct) own.fill(0);
  const { start, end } = job;
  let out = 0;
  switch (job.mode) {
    case 'fused': {
      const q = d.quant;
      for (let s = start; s < end; s += GRADIENT_BLOCK) {
        const e = Math.min(end, s + GRADIENT_BLOCK);
        k.gradients(s, e, d.posWeight, q[0]!, q[1]!, q[2]!, q[3]!);
        // The loss needs a log per row (not in wasm): JS, over the block while it is in cache.
        if (job.withLoss) out += lossFromExpNeg(d.expNeg, d.labels, s, e);
        k.qAll(s, e);
      }
      break;
    }
    case 'all':
      k.qAll(start, end);
      break;
    case 'idx':
      wasmIndexed(k, d.idx, m.idx, start, end);
      break;
    case 'split': {
      // As the JS 'split' below: partition, then the smaller side's histogram from the chunk's result.
      const col = m.cols[job.feature!]!;
      const nl = job.identity ? k.partitionIdentity(start, end, col) : k.partition(start, end, col);
      if (job.withHist) {
        if (job.smallLeft) wasmIndexed(k, d.idx, m.idx, start, start + nl);
        else wasmIndexed(k, d.right, m.right, start, end - nl);
      }
      if (job.last) placeRight(d.idx, d.right, start, end, nl);
      out = nl;
      break;
    }
    case 'leaf':
      assignLeaves(d, start, end);
      break;
  }
  if (histJob && !direct) for (let i = 0; i < own.length; i++) hist[i] += own[i]!;
  return out;
}

/**
 * Run one job on rows [start, end) in the calling thread; `hist` receives histogram passes.
 * `slot`: the thread's number (0 = main), whose histogram the wasm kernels use.
 */
export function runRowJob(d: RowData, hist: Float64Array, job: RowJob, slot = 0): number {
  if (d.wasm && d.gh.length) return runWasmJob(d, d.wasm, hist, job, slot);
  const { start, end } = job;
  const active = activeFeatures(d);
  switch (job.mode) {
    case 'fused':
      if (d.gh.length) return quantisedGradientsAndRoot(hist, d.codes, d.nF, d.expNeg, d.leafOf, d.leafExp, d.labels, d.posWeight, d.gh, start, end, job.withLoss === true, d.quant, active);
      return gradientsAndRootHistogram(hist, d.codes, d.nF, d.margin, d.leafOf, d.leafValue, d.labels, d.posWeight, d.grad, d.hess, d.idx, start, end, job.withLoss === true, active);
    case 'all':
      if (d.gh.length) kernels(d.nF, active).qAll(hist, d.codes, d.gh, start, end);
      else buildHistogramAll(hist, d.codes, d.nF, d.grad, d.hess, start, end, active);
      return 0;
    case 'idx':
      if (d.gh.length) kernels(d.nF, active).qIndexed(hist, d.codes, d.gh, d.idx, start, end);
      else buildHistogram(hist, d.codes, d.nF, d.grad, d.hess, d.idx, start, end, active);
      return 0;
    case 'split': {
      // Partition the chunk, then (when asked) the histogram of its smaller side straight from the
      // chunk's result (left rows at idx[start..], right rows at right[start..]): one job and one
      // wait per split instead of two, and the rows are still in cache.
      const nl = (job.identity ? partitionIdentity : partitionChunk)(d.idx, d.codesByFeature[job.feature!]!, d.sideTable, d.right, start, end);
      if (job.withHist) {
        const rows = job.smallLeft ? d.idx : d.right;
        const last = job.smallLeft ? start + nl : end - nl;
        if (d.gh.length && rowDensity(rows, start, last) < THIN_NODE_DENSITY) touchAheadHistogram(hist, d.codes, d.nF, d.gh, rows, start, last, active);
        else if (d.gh.length) kernels(d.nF, active).qIndexed(hist, d.codes, d.gh, rows, start, last);
        else buildHistogram(hist, d.codes, d.nF, d.grad, d.hess, rows, start, last, active);
      }
      if (job.last) placeRight(d.idx, d.right, start, end, nl);
      return nl;
    }
    case 'leaf':
      assignLeaves(d, start, end);
      return 0;
  }
}

/** leafOf[idx[i]] = the leaf whose segment holds position i, for positions [start, end). */
function assignLeaves(d: RowData, start: number, end: number): void {
  const { idx, leafOf, segStart, segLeaf } = d;
  let k = 0;
  while (segStart[k + 1]! <= start) k++;
  for (let i = start; i < end; ) {
    const stop = Math.min(end, segStart[k + 1]!);
    const leaf = segLeaf[k]!;
    for (; i < stop; i++) leafOf[idx[i]!] = leaf;
    k++;
  }
}

/**
 * A HistogramBuilder over `threads` threads (1: everything here, no workers). `rootCounts` are the
 * bin counts of all rows, copied into root histograms instead of counted every round.
 */
export async function createHistogramBuilder(d: RowData, threads: number, rootCounts: Float64Array): Promise<HistogramBuilder & { close(): Promise<void> }> {
  if (threads > 1) {
    for (const a of [d.codes, ...d.codesByFeature, d.grad, d.hess, d.idx, d.right, d.sideTable, d.margin, d.leafOf, d.leafValue, d.labels, d.gh, d.quant, d.segStart, d.segLeaf, d.expNeg, d.leafExp, d.splittable]) {
      if (!(a.buffer instanceof SharedArrayBuffer)) throw new Error('threads > 1 needs SharedArrayBuffer-backed arrays');
    }
  }
  const workers: (WorkerInit & { worker: Worker })[] = [];
  try {
    for (let t = 1; t < threads; t++) {
      const init: WorkerInit = {
        data: d,
        slot: t,
        // With the wasm kernels, the worker's histogram is its slot in the shared memory.
        hist: d.wasm && d.gh.length ? threadHist(d.wasm, t) : new Float64Array(new SharedArrayBuffer(histSize(d.nF, d.gh.length > 0) * 8)),
        ctl: new Int32Array(new SharedArrayBuffer(CTL.SIZE * 4)),
        result: new Float64Array(new SharedArrayBuffer(8)),
      };
      const worker = new Worker(new URL('./histogram-worker.js', import.meta.url), { workerData: init });
      workers.push({ ...init, worker });
      // The worker says 'ready' once loaded; a failure to start rejects here, not in a blocked wait.
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
    }
  } catch (err) {
    await Promise.all(workers.map((x) => x.worker.terminate()));
    throw err;
  }
  const post = (w: (typeof workers)[number], job: RowJob | { mode: 'stop'; start: 0; end: 0 }) => {
    const c = w.ctl;
    c[CTL.MODE] = MODES.indexOf(job.mode);
    c[CTL.START] = job.start;
    c[CTL.END] = job.end;
    c[CTL.WITH_LOSS] = 'withLoss' in job && job.withLoss ? 1 : 0;
    c[CTL.FEATURE] = 'feature' in job ? job.feature ?? 0 : 0;
    c[CTL.WITH_HIST] = 'withHist' in job && job.withHist ? 1 : 0;
    c[CTL.SMALL_LEFT] = 'smallLeft' in job && job.smallLeft ? 1 : 0;
    c[CTL.IDENTITY] = 'identity' in job && job.identity ? 1 : 0;
    c[CTL.LAST] = 'last' in job && job.last ? 1 : 0;
    Atomics.add(c, CTL.SEQ, 1);
    Atomics.notify(c, CTL.SEQ);
  };
  const result = (w: (typeof workers)[number]): number => {
    const c = w.ctl;
    const seq = Atomics.load(c, CTL.SEQ);
    for (let done = Atomics.load(c, CTL.DONE); done !== seq; done = Atomics.load(c, CTL.DONE)) Atomics.wait(c, CTL.DONE, done);
    if (c[CTL.FAILED]) throw new Error('GBDT row worker failed (its error is on stderr)');
    return w.result[0]!;
  };
  /** Cut [start, end) into chunks, run the first here and the others on workers; the results in chunk order. */
  const split = (hist: Float64Array, job: RowJob, minRows: number): { bounds: number[]; replies: number[] } => {
    const n = job.end - job.start;
    const parts = Math.min(threads, Math.max(1, Math.floor(n / minRows)));
    const chunk = Math.ceil(n / parts);
    const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.min(job.end, job.start + p * chunk));
    for (let p = 1; p < parts; p++) post(workers[p - 1]!, { ...job, start: bounds[p]!, end: bounds[p + 1]!, last: p === parts - 1 });
    const replies = [runRowJob(d, hist, { ...job, end: bounds[1]!, last: parts === 1 })];
    for (let p = 1; p < parts; p++) replies.push(result(workers[p - 1]!));
    return { bounds, replies };
  };
  const histogram = (hist: Float64Array, job: RowJob): number => {
    const { replies } = split(hist, job, MIN_ROWS_PER_THREAD);
    for (let p = 1; p < replies.length; p++) {
      const wh = workers[p - 1]!.hist;
      for (let i = 0; i < hist.length; i++) hist[i] += wh[i]!;
    }
    if (job.mode !== 'idx') setCounts(hist, rootCounts, d.gh.length > 0);
    return replies.reduce((a, b) => a + b, 0);
  };
  return {
    gradientsAndRoot(hist, n, withLoss) {
      return histogram(hist, { mode: 'fused', start: 0, end: n, withLoss });
    },
    build(hist, start, end, all) {
      histogram(hist, { mode: all ? 'all' : 'idx', start, end });
    },
    partitionAndBuild(feature, start, end, smallLeft, hist, identity) {
      const { bounds, replies } = split(hist ?? NO_HIST, { mode: 'split', start, end, feature, smallLeft, withHist: hist !== null, identity }, MIN_PARTITION_ROWS_PER_THREAD);
      if (hist) {
        for (let p = 1; p < replies.length; p++) {
          const wh = workers[p - 1]!.hist;
          for (let i = 0; i < hist.length; i++) hist[i] += wh[i]!;
        }
      }
      return joinChunks(d.idx, d.right, bounds, replies);
    },
    assignLeaves(segments, n) {
      // Segments by position, so each thread walks its range of idx once.
      const order = segments.map((s, leaf) => ({ ...s, leaf })).filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
      order.forEach((s, k) => {
        d.segStart[k] = s.start;
        d.segLeaf[k] = s.leaf;
      });
      d.segStart[order.length] = n;
      split(NO_HIST, { mode: 'leaf', start: 0, end: n }, MIN_PARTITION_ROWS_PER_THREAD);
    },
    async close() {
      for (const w of workers) post(w, { mode: 'stop', start: 0, end: 0 });
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
