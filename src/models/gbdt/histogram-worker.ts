/**
 * Worker side of the multi-threaded row passes (threads.ts): codes, gradients, hessians, margins and
 * the row index live in SharedArrayBuffers; each job runs on a row range, histograms go into this
 * worker's own shared histogram, and the reply is the job's number (loss or left-row count).
 */
import { parentPort } from 'node:worker_threads';
import { runRowJob, type RowData, type RowJob } from './threads.js';

let state: (RowData & { hist: Float64Array }) | undefined;
parentPort!.on('message', (msg: { init?: RowData & { hist: Float64Array } } & Partial<RowJob>) => {
  if (msg.init) {
    state = msg.init;
    return;
  }
  const s = state!;
  const job = msg as RowJob;
  if (job.mode !== 'part') s.hist.fill(0);
  parentPort!.postMessage(runRowJob(s, s.hist, job));
});
