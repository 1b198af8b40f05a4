/**
 * The training loop shared by verde's cases: epochs of batches through a TrainingSession, a
 * learning-rate schedule, evaluation with early stopping (best weights restored at the end),
 * optional checkpoints, a progress bar, and one energy span per epoch and per evaluation when a
 * meter Tracker is given (so every joule of training is attributed to a phase).
 */
import type { SpanReport } from '../meter/types.js';
import { progressBar } from '../util/progress.js';
import type { StepResult, TrainingSession } from '../engine/runtime/training-session.js';
import type { HostTensor } from '../engine/types.js';
import type { EarlyStopping } from './early-stopping.js';
import type { ReduceLROnPlateau, Schedule } from './schedules.js';

/** The part of the meter's Tracker the loop needs (structural, so tests can pass a real Tracker). */
export interface SpanSource {
  startSpan(name: string): { end(): Promise<SpanReport> };
}

export type Batch = Record<string, HostTensor>;

export interface FitOptions {
  epochs: number;
  /** Training batches of one epoch (shuffle inside, seeded by epoch, for determinism). */
  batches: (epoch: number) => Iterable<Batch> | AsyncIterable<Batch>;
  /** Micro-batches per epoch, for the progress bar (optional). */
  stepsPerEpoch?: number;
  /** Learning rate per optimiser step; default: the optimiser's lr. */
  schedule?: Schedule;
  /** Reduce the rate when the evaluation metric plateaus (fed after each evaluation). */
  plateau?: ReduceLROnPlateau;
  /** Evaluate after each epoch; `metric` drives early stopping and the plateau schedule. */
  evaluate?: (session: TrainingSession, epoch: number) => Promise<{ metric: number } & Record<string, number>>;
  earlyStopping?: EarlyStopping;
  /** Meter tracker: spans 'train:epoch N' and 'eval:epoch N' (and 'train:step N' with stepSpans). */
  tracker?: SpanSource;
  /** Also open one energy span per optimiser micro-step (reported to onStep as `energy`). */
  stepSpans?: boolean;
  /** Called after every micro-batch. */
  onStep?: (r: StepResult & { epoch: number; lr: number; energy?: SpanReport }) => void;
  /** Save a resumable checkpoint after every epoch to this path (atomic). */
  checkpointPath?: string;
  /** Progress bar label (stderr); default 'train'. */
  label?: string;
}

export interface EpochLog {
  epoch: number;
  steps: number;
  meanLoss: number;
  seconds: number;
  lr: number;
  eval?: Record<string, number>;
  energy?: SpanReport;
  evalEnergy?: SpanReport;
}

export interface FitResult {
  epochs: EpochLog[];
  stoppedEarly: boolean;
  best?: { metric: number; step: number };
}

export async function fit(session: TrainingSession, opts: FitOptions): Promise<FitResult> {
  const logs: EpochLog[] = [];
  const total = opts.stepsPerEpoch ? opts.stepsPerEpoch * opts.epochs : opts.epochs;
  const bar = progressBar(opts.label ?? 'train', total, ['loss', 'lr']);
  let stoppedEarly = false;
  let lr = opts.plateau?.lr ?? session.compiled.spec.optimizer.lr;
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const span = opts.tracker?.startSpan(`train:epoch ${epoch + 1}`);
      const t0 = performance.now();
      let sum = 0;
      let n = 0;
      for await (const batch of opts.batches(epoch)) {
        lr = opts.plateau ? opts.plateau.lr : opts.schedule ? opts.schedule(session.step) : lr;
        const stepSpan = opts.stepSpans ? opts.tracker?.startSpan(`train:step ${session.step + 1}`) : undefined;
        const r = await session.trainStep(batch, { lr });
        const energy = stepSpan ? await stepSpan.end() : undefined;
        if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss is ${r.loss} at step ${r.step} (epoch ${epoch + 1}); lower the learning rate`);
        sum += r.loss;
        n++;
        opts.onStep?.({ ...r, epoch, lr, energy });
        if (opts.stepsPerEpoch) bar.increment(1, { loss: r.loss.toFixed(4), lr: lr.toExponential(2) });
      }
      if (!opts.stepsPerEpoch) bar.increment(1, { loss: (sum / Math.max(1, n)).toFixed(4), lr: lr.toExponential(2) });
      const log: EpochLog = { epoch: epoch + 1, steps: n, meanLoss: sum / Math.max(1, n), seconds: (performance.now() - t0) / 1000, lr };
      if (span) log.energy = await span.end();
      if (opts.evaluate) {
        const evalSpan = opts.tracker?.startSpan(`eval:epoch ${epoch + 1}`);
        log.eval = await opts.evaluate(session, epoch);
        if (evalSpan) log.evalEnergy = await evalSpan.end();
        opts.plateau?.report(log.eval.metric);
        if (opts.earlyStopping && (await opts.earlyStopping.update(log.eval.metric, session.step, () => session.getParams()))) stoppedEarly = true;
      }
      logs.push(log);
      if (opts.checkpointPath) await session.saveCheckpoint(opts.checkpointPath, { epoch: String(epoch + 1) });
      if (stoppedEarly) break;
    }
  } finally {
    bar.stop();
  }
  const es = opts.earlyStopping;
  if (es?.bestWeights) await session.setParams(es.bestWeights); // end on the best weights, not the last
  return { epochs: logs, stoppedEarly, best: es && es.bestStep >= 0 ? { metric: es.best, step: es.bestStep } : undefined };
}
