/**
 * Worker side of the multi-threaded row passes (threads.ts): codes, gradients, hessians, margins and
 * the row index live in SharedArrayBuffers. The worker blocks on its control block until the main
 * thread posts a job (Atomics), runs it on its row range (histograms into its own shared histogram),
 * stores the result and signals completion.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CTL, isHistogramJob, MODES, runRowJob, type RowMode, type WorkerInit } from './threads.js';

const { data, hist, ctl, result, slot } = workerData as WorkerInit;
parentPort!.postMessage('ready');
for (let seen = 0; ;) {
  Atomics.wait(ctl, CTL.SEQ, seen);
  seen = Atomics.load(ctl, CTL.SEQ);
  const mode = MODES[ctl[CTL.MODE]!]!;
  if (mode === 'stop') break;
  try {
    const withHist = ctl[CTL.WITH_HIST] === 1;
    if (isHistogramJob(mode as RowMode, withHist)) hist.fill(0);
    result[0] = runRowJob(data, hist, {
      mode: mode as RowMode, start: ctl[CTL.START]!, end: ctl[CTL.END]!, withLoss: ctl[CTL.WITH_LOSS] === 1, feature: ctl[CTL.FEATURE]!,
      withHist, smallLeft: ctl[CTL.SMALL_LEFT] === 1, identity: ctl[CTL.IDENTITY] === 1, last: ctl[CTL.LAST] === 1,
    }, slot);
  } catch (err) {
    ctl[CTL.FAILED] = 1;
    console.error(err);
  }
  Atomics.store(ctl, CTL.DONE, seen);
  Atomics.notify(ctl, CTL.DONE);
}
