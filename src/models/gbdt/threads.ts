/**
 * Histogram building on several threads: the node's rows are cut into equal ranges, this thread
 * takes the first and worker_threads the rest (each into its own shared histogram), then the
 * partial histograms are summed. Small nodes stay on this thread (messaging would cost more).
 */
import { Worker } from 'node:worker_threads';
import { buildHistogram, buildHistogramAll, gradientsAndRootHistogram, histSize, setCounts } from './histogram.js';
import type { HistogramBuilder } from './grow.js';

const MIN_ROWS_PER_THREAD = 8192;

export function sharedCopy<T extends Uint8Array | Float32Array | Uint32Array>(a: T): T {
  const C = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new C(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

export async function workerHistogramBuilder(
  codes: Uint8Array,
  nF: number,
  grad: Float32Array,
  hess: Float32Array,
  idx: Uint32Array,
  threads: number,
  rootCounts: Float64Array,
  margin: Float64Array,
  labels: Uint8Array,
  posWeight: number,
): Promise<HistogramBuilder & { close(): Promise<void> }> {
  for (const a of [codes, grad, hess, idx, margin, labels]) {
    if (!(a.buffer instanceof SharedArrayBuffer)) throw new Error('threads > 1 needs SharedArrayBuffer-backed arrays');
  }
  const workers: { worker: Worker; hist: Float64Array; pending?: () => void; fail?: (e: Error) => void }[] = [];
  for (let t = 1; t < threads; t++) {
    const worker = new Worker(new URL('./histogram-worker.js', import.meta.url));
    const hist = new Float64Array(new SharedArrayBuffer(histSize(nF) * 8));
    const w: (typeof workers)[number] = { worker, hist };
    worker.on('message', () => { const p = w.pending; w.pending = undefined; w.fail = undefined; p?.(); });
    worker.on('error', (e) => { const f = w.fail; w.pending = undefined; w.fail = undefined; f?.(e); });
    workers.push(w);
    try {
      worker.postMessage({ init: { codes, grad, hess, idx, hist, nF, margin, labels, w: posWeight } });
    } catch (err) {
      await Promise.all(workers.map((x) => x.worker.terminate()));
      throw err;
    }
  }
  const run = async (hist: Float64Array, start: number, end: number, mode: 'fused' | 'all' | 'idx') => {
    const n = end - start;
    const parts = Math.min(threads, Math.max(1, Math.floor(n / MIN_ROWS_PER_THREAD)));
    const chunk = Math.ceil(n / parts);
    const done: Promise<void>[] = [];
    for (let p = 1; p < parts; p++) {
      const w = workers[p - 1]!;
      const s = start + p * chunk;
      const e = Math.min(end, s + chunk);
      done.push(new Promise<void>((resolve, reject) => { w.pending = resolve; w.fail = reject; }));
      w.worker.postMessage({ start: s, end: e, all: mode === 'all', fused: mode === 'fused' });
    }
    const e0 = Math.min(end, start + chunk);
    if (mode === 'fused') gradientsAndRootHistogram(hist, codes, nF, margin, labels, posWeight, grad, hess, idx, start, e0);
    else if (mode === 'all') buildHistogramAll(hist, codes, nF, grad, hess, start, e0);
    else buildHistogram(hist, codes, nF, grad, hess, idx, start, e0);
    await Promise.all(done);
    for (let p = 1; p < parts; p++) {
      const wh = workers[p - 1]!.hist;
      for (let i = 0; i < hist.length; i++) hist[i] += wh[i]!;
    }
    if (mode !== 'idx') setCounts(hist, rootCounts);
  };
  return {
    async gradientsAndRoot(hist, n) {
      await run(hist, 0, n, 'fused');
    },
    async build(hist, start, end, all) {
      const n = end - start;
      const parts = Math.min(threads, Math.max(1, Math.floor(n / MIN_ROWS_PER_THREAD)));
      if (parts <= 1) {
        if (all) {
          buildHistogramAll(hist, codes, nF, grad, hess, start, end);
          setCounts(hist, rootCounts);
        } else buildHistogram(hist, codes, nF, grad, hess, idx, start, end);
        return;
      }
      const chunk = Math.ceil(n / parts);
      const done: Promise<void>[] = [];
      for (let p = 1; p < parts; p++) {
        const w = workers[p - 1]!;
        const s = start + p * chunk;
        const e = Math.min(end, s + chunk);
        done.push(new Promise<void>((resolve, reject) => { w.pending = resolve; w.fail = reject; }));
        w.worker.postMessage({ start: s, end: e, all });
      }
      const e0 = Math.min(end, start + chunk);
      if (all) buildHistogramAll(hist, codes, nF, grad, hess, start, e0);
      else buildHistogram(hist, codes, nF, grad, hess, idx, start, e0);
      await Promise.all(done);
      for (let p = 1; p < parts; p++) {
        const wh = workers[p - 1]!.hist;
        for (let i = 0; i < hist.length; i++) hist[i] += wh[i]!;
      }
      if (all) setCounts(hist, rootCounts);
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
