/**
 * The passes over rows (gradients + root histogram, node histograms, partitions) on one or more
 * threads: a node's rows are cut into equal ranges, this thread takes the first and worker_threads
 * the rest (histograms into each worker's own shared histogram, then summed; partitions joined in
 * order, see partition.ts). Small nodes stay on this thread: messaging would cost more than it saves.
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

/** Messages to a worker: one pass over rows [start, end); the reply is the loss (fused) or left-row count (part). */
export type RowJob = { mode: 'fused' | 'all' | 'idx' | 'part'; start: number; end: number; withLoss?: boolean; feature?: number };

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
  const workers: { worker: Worker; hist: Float64Array; pending?: (reply: number) => void; fail?: (e: Error) => void }[] = [];
  for (let t = 1; t < threads; t++) {
    const worker = new Worker(new URL('./histogram-worker.js', import.meta.url));
    const hist = new Float64Array(new SharedArrayBuffer(histSize(d.nF) * 8));
    const w: (typeof workers)[number] = { worker, hist };
    worker.on('message', (reply: number) => { const p = w.pending; w.pending = undefined; w.fail = undefined; p?.(reply); });
    worker.on('error', (e) => { const f = w.fail; w.pending = undefined; w.fail = undefined; f?.(e); });
    workers.push(w);
    try {
      worker.postMessage({ init: { ...d, hist } });
    } catch (err) {
      await Promise.all(workers.map((x) => x.worker.terminate()));
      throw err;
    }
  }
  /** Cut [start, end) into chunks, run the first here and the others on workers; the replies in chunk order. */
  const split = async (hist: Float64Array, job: RowJob, minRows: number): Promise<{ bounds: number[]; replies: number[] }> => {
    const n = job.end - job.start;
    const parts = Math.min(threads, Math.max(1, Math.floor(n / minRows)));
    const chunk = Math.ceil(n / parts);
    const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.min(job.end, job.start + p * chunk));
    const done: Promise<number>[] = [];
    for (let p = 1; p < parts; p++) {
      const w = workers[p - 1]!;
      done.push(new Promise<number>((resolve, reject) => { w.pending = resolve; w.fail = reject; }));
      w.worker.postMessage({ ...job, start: bounds[p], end: bounds[p + 1] });
    }
    const first = runRowJob(d, hist, { ...job, end: bounds[1]! });
    return { bounds, replies: [first, ...(await Promise.all(done))] };
  };
  const histogram = async (hist: Float64Array, job: RowJob): Promise<number> => {
    const { replies } = await split(hist, job, MIN_ROWS_PER_THREAD);
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
    async build(hist, start, end, all) {
      await histogram(hist, { mode: all ? 'all' : 'idx', start, end });
    },
    async partition(feature, start, end) {
      const { bounds, replies } = await split(NO_HIST, { mode: 'part', start, end, feature }, MIN_PARTITION_ROWS_PER_THREAD);
      return joinChunks(d.idx, d.right, bounds, replies);
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
