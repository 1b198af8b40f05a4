/**
 * Worker side of multi-threaded histogram building: codes, gradients, hessians and the row index
 * live in SharedArrayBuffers; each job fills this worker's own shared histogram with a row range.
 */
import { parentPort } from 'node:worker_threads';
import { buildHistogram, buildHistogramAll, gradientsAndRootHistogram } from './histogram.js';

interface Init {
  codes: Uint8Array;
  grad: Float32Array;
  hess: Float32Array;
  idx: Uint32Array;
  hist: Float64Array;
  nF: number;
  margin: Float64Array;
  labels: Uint8Array;
  w: number;
}

let state: Init | undefined;
parentPort!.on('message', (msg: { init?: Init; start?: number; end?: number; all?: boolean; fused?: boolean }) => {
  if (msg.init) {
    state = msg.init;
    return;
  }
  const s = state!;
  s.hist.fill(0);
  if (msg.fused) gradientsAndRootHistogram(s.hist, s.codes, s.nF, s.margin, s.labels, s.w, s.grad, s.hess, s.idx, msg.start!, msg.end!);
  else if (msg.all) buildHistogramAll(s.hist, s.codes, s.nF, s.grad, s.hess, msg.start!, msg.end!);
  else buildHistogram(s.hist, s.codes, s.nF, s.grad, s.hess, s.idx, msg.start!, msg.end!);
  parentPort!.postMessage(0);
});
