/**
 * The passes over rows (gradients + root histogram, node histograms, partitions) on one or more
 * threads: a node's rows are cut into equal ranges, this thread takes the first and worker_threads
 * the rest (histograms into each worker's own shared histogram, then summed; partitions joined in
 * order, see partition.ts). Small nodes stay on this thread: handing work over would cost more.
 *
 * Jobs go through a shared Int32Array with Atomics.wait/notify, not postMessage: a tree needs ~100
 * jobs of a few ms each, and messages (event loop, structured clone, wake-up) cost ~25 ms per tree
 * on the main thread (profiled). Both sides block only for the duration of one job.
 */
import { Worker } from 'node:worker_threads';
import { buildHistogram, buildHistogramAll, gradientsAndRootHistogram, histSize, setCounts } from './histogram.js';
import { joinChunks, partitionChunk } from './partition.js';
import type { HistogramBuilder } from './grow.js';

/** Rows per thread below which a histogram pass stays on fewer threads (~15 bins per row of work). */
const MIN_ROWS_PER_THREAD = 8192;
/** Partitioning costs a few ns per row, so a worker only pays off on bigger chunks. */
const MIN_PARTITION_ROWS_PER_THREAD = 32768;

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
}

export type RowMode = 'fused' | 'all' | 'idx' | 'part';
/** One pass over rows [start, end); its result is the loss (fused) or the left-row count (part). */
export interface RowJob { mode: RowMode; start: number; end: number; withLoss?: boolean; feature?: number }

/** Job slots of a worker's control block (Int32Array); MODES indexes the mode. */
export const CTL = { SEQ: 0, DONE: 1, MODE: 2, START: 3, END: 4, WITH_LOSS: 5, FEATURE: 6, FAILED: 7, SIZE: 8 } as const;
export const MODES: readonly (RowMode | 'stop')[] = ['fused', 'all', 'idx', 'part', 'stop'];

/** What a worker gets at start (workerData). */
export interface WorkerInit { data: RowData; hist: Float64Array; ctl: Int32Array; result: Float64Array }

/** Partition jobs write no histogram. */
const NO_HIST = new Float64Array(0);

export function sharedCopy<T extends Uint8Array | Uint16Array | Float32Array | Uint32Array | Float64Array>(a: T): T {
  const C = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new C(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/** Run one job on rows [start, end) in the calling thread; `hist` receives histogram passes. */
export function runRowJob(d: RowData, hist: Float64Array, job: RowJob): number {
  const { start, end } = job;
  switch (job.mode) {
    case 'fused':
      return gradientsAndRootHistogram(hist, d.codes, d.nF, d.margin, d.leafOf, d.leafValue, d.labels, d.posWeight, d.grad, d.hess, d.idx, start, end, job.withLoss === true);
    case 'all':
      buildHistogramAll(hist, d.codes, d.nF, d.grad, d.hess, start, end);
      return 0;
    case 'idx':
      buildHistogram(hist, d.codes, d.nF, d.grad, d.hess, d.idx, start, end);
      return 0;
    case 'part':
      return partitionChunk(d.idx, d.codesByFeature[job.feature!]!, d.sideTable, d.right, start, end);
  }
}

/**
 * A HistogramBuilder over `threads` threads (1: everything here, no workers). `rootCounts` are the
 * bin counts of all rows, copied into root histograms instead of counted every round.
 */
export async function createHistogramBuilder(d: RowData, threads: number, rootCounts: Float64Array): Promise<HistogramBuilder & { close(): Promise<void> }> {
  if (threads > 1) {
    for (const a of [d.codes, ...d.codesByFeature, d.grad, d.hess, d.idx, d.right, d.sideTable, d.margin, d.leafOf, d.leafValue, d.labels]) {
      if (!(a.buffer instanceof SharedArrayBuffer)) throw new Error('threads > 1 needs SharedArrayBuffer-backed arrays');
    }
  }
  const workers: (WorkerInit & { worker: Worker })[] = [];
  try {
    for (let t = 1; t < threads; t++) {
      const init: WorkerInit = {
        data: d,
        hist: new Float64Array(new SharedArrayBuffer(histSize(d.nF) * 8)),
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
    for (let p = 1; p < parts; p++) post(workers[p - 1]!, { ...job, start: bounds[p]!, end: bounds[p + 1]! });
    const replies = [runRowJob(d, hist, { ...job, end: bounds[1]! })];
    for (let p = 1; p < parts; p++) replies.push(result(workers[p - 1]!));
    return { bounds, replies };
  };
  const histogram = (hist: Float64Array, job: RowJob): number => {
    const { replies } = split(hist, job, MIN_ROWS_PER_THREAD);
    for (let p = 1; p < replies.length; p++) {
      const wh = workers[p - 1]!.hist;
      for (let i = 0; i < hist.length; i++) hist[i] += wh[i]!;
    }
    if (job.mode !== 'idx') setCounts(hist, rootCounts);
    return replies.reduce((a, b) => a + b, 0);
  };
  return {
    gradientsAndRoot(hist, n, withLoss) {
      return histogram(hist, { mode: 'fused', start: 0, end: n, withLoss });
    },
    build(hist, start, end, all) {
      histogram(hist, { mode: all ? 'all' : 'idx', start, end });
    },
    partition(feature, start, end) {
      const { bounds, replies } = split(NO_HIST, { mode: 'part', start, end, feature }, MIN_PARTITION_ROWS_PER_THREAD);
      return joinChunks(d.idx, d.right, bounds, replies);
    },
    async close() {
      for (const w of workers) post(w, { mode: 'stop', start: 0, end: 0 });
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
