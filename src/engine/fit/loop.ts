/**
 * The one training loop of verde's models trained by gradient descent (DistilBERT, the deep MLP,
 * the linear text classifier, the small network/logistic regression): epochs of batches through a
 * Trainable, a learning-rate schedule, evaluation after each epoch with early stopping that keeps
 * the best weights, a progress bar, one meter span per epoch and per evaluation when a tracker is
 * given, and checkpoints every N steps and after each epoch that a killed run resumes from exactly.
 *
 * It lives in the engine (layer 2), not in src/train/ (layer 7), because the models (layer 3) and
 * compression's distillation (layer 4) train through it and may import only lower layers. The meter
 * is a peer of the engine, so spans come in through a structural interface (a meter Tracker fits).
 */
import { progressBar } from '../../util/progress.js';
import type { EarlyStopping, EarlyStoppingState } from './early-stopping.js';
import type { ReduceLROnPlateau, Schedule } from './schedules.js';

/** What the loop trains: a TrainingSession fits as it is; the plain-TypeScript SmallNet has its own. */
export interface Trainable<B> {
  /** Optimiser steps done (a loaded checkpoint sets it). */
  readonly step: number;
  /** One optimiser step on `batch` at rate `lr` (undefined: the optimiser's own rate). */
  trainStep(batch: B, opts: { lr?: number }): Promise<{ loss: number }>;
  getParams(): Promise<Map<string, Float32Array>>;
  setParams(params: Map<string, Float32Array>): Promise<unknown>;
  /** Everything a resume needs (weights, optimiser moments, step), in one file, atomically. */
  saveCheckpoint(path: string, metadata?: Record<string, string>): Promise<void>;
  loadCheckpoint(path: string): Promise<unknown>;
}

/** An energy figure of one span (the meter's SpanReport has these fields and more). */
export interface SpanFigures {
  energyJ: number;
  durationS: number;
  method: string;
}

/** The part of the meter's Tracker the loop needs (structural: the engine may not import the meter). */
export interface SpanSource {
  startSpan(name: string): { end(): Promise<SpanFigures> };
}

/** An evaluation: `metric` drives early stopping and the plateau schedule; other fields are kept in the log. */
export type Evaluation = { metric: number } & Record<string, number>;

export interface EpochLog {
  /** 1-based. */
  epoch: number;
  steps: number;
  /** Mean training loss over the epoch's steps. */
  trainLoss: number;
  /** Training and evaluation. */
  seconds: number;
  /** The rate of the epoch's last step. */
  lr: number;
  eval?: Evaluation;
  energy?: SpanFigures;
  evalEnergy?: SpanFigures;
}

/**
 * Where a run is, enough to continue it exactly: batches are a function of the epoch (models
 * shuffle by seed and epoch), so the epoch and the batches done in it are the data order's state.
 */
export interface FitProgress {
  /** Optimiser steps done. */
  step: number;
  /** The epoch in progress (1-based) and its batches done; batch = stepsPerEpoch: trained, maybe evaluated. */
  epoch: number;
  batch: number;
  lossSum: number;
  history: EpochLog[];
  earlyStopping?: EarlyStoppingState;
  plateau?: ReturnType<ReduceLROnPlateau['state']>;
  /** Training finished (all epochs or an early stop): the best weights are the result. */
  done?: { stoppedEarly: boolean };
}

/** Saves and restores a loop's state (src/train/checkpoint.ts writes it to a run's directory). */
export interface FitCheckpointer {
  /** Steps between checkpoints (0: only after each epoch). */
  every: number;
  /** Write the model's state, the progress and (when `bestChanged`) the best weights, atomically. */
  save(model: Trainable<never>, progress: FitProgress, best: Map<string, Float32Array> | null, bestChanged: boolean): Promise<void>;
  /** The last saved state (the model gets its weights and optimiser state back), or null. */
  load(model: Trainable<never>): Promise<{ progress: FitProgress; best: Map<string, Float32Array> | null } | null>;
}

/** What onStep hears after each optimiser update. */
export interface StepInfo {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
}

export interface FitLoopOptions<B> {
  epochs: number;
  /** Batches per epoch (progress bar, resume, mean loss). */
  stepsPerEpoch: number;
  /** The batches of `epoch` (1-based) from batch `from` on; the same for the same epoch, every call. */
  batches(epoch: number, from: number): Iterable<B> | AsyncIterable<B>;
  /** Rate per optimiser step (0-based); default: the optimiser's own. */
  schedule?: Schedule;
  /** Cut the rate when the evaluation metric plateaus (fed after each evaluation). */
  plateau?: ReduceLROnPlateau;
  /** Evaluate after each epoch. */
  evaluate?(epoch: number): Promise<Evaluation>;
  /** Needs `evaluate`; patience Infinity keeps the best epoch without stopping. */
  earlyStopping?: EarlyStopping;
  /** End with the best weights in the model (default true); false when the caller takes earlyStopping.bestWeights. */
  restoreBest?: boolean;
  /** Meter tracker: spans '<label>:epoch N' and '<label>:eval N'. */
  tracker?: SpanSource;
  /** Progress bar label (stderr) and span prefix; no bar without one. */
  label?: string;
  /** Name of the evaluation metric on the progress bar (default 'val'). */
  metricName?: string;
  onStep?(info: StepInfo): void;
  onEpoch?(log: EpochLog): void;
  checkpoint?: FitCheckpointer;
}

export interface FitLoopResult {
  history: EpochLog[];
  stoppedEarly: boolean;
  /** Optimiser steps done in all. */
  steps: number;
  best?: { metric: number; epoch: number };
  /** Set when the run continued from a checkpoint: where it picked up. */
  resumedFrom?: { step: number; epoch: number; batch: number };
}

/** Where a loaded checkpoint puts the loop. */
function resumePoint(p: FitProgress, opts: { epochs: number; stepsPerEpoch: number; evaluate?: unknown }): { epoch: number; batch: number; lossSum: number } {
  if (p.done) return { epoch: opts.epochs + 1, batch: 0, lossSum: 0 }; // nothing left to train
  const evaluated = !opts.evaluate || p.history.some((h) => h.epoch === p.epoch);
  if (p.batch >= opts.stepsPerEpoch && evaluated) return { epoch: p.epoch + 1, batch: 0, lossSum: 0 };
  return { epoch: p.epoch, batch: p.batch, lossSum: p.lossSum };
}

export async function fitLoop<B>(model: Trainable<B>, opts: FitLoopOptions<B>): Promise<FitLoopResult> {
  const { epochs, stepsPerEpoch, earlyStopping: es, plateau, checkpoint: ckpt, tracker } = opts;
  const totalSteps = stepsPerEpoch * epochs;
  const name = opts.label ?? 'train';
  let history: EpochLog[] = [];
  let stoppedEarly = false;
  let start = { epoch: 1, batch: 0, lossSum: 0 };
  let resumedFrom: FitLoopResult['resumedFrom'];
  const progress = (epoch: number, batch: number, lossSum: number): FitProgress => ({ step: model.step, epoch, batch, lossSum, history, earlyStopping: es?.state(), plateau: plateau?.state() });
  const saved = ckpt ? await ckpt.load(model as Trainable<never>) : null;
  if (saved) {
    const p = saved.progress;
    history = p.history;
    if (es && p.earlyStopping) es.restore(p.earlyStopping, saved.best ?? undefined);
    if (plateau && p.plateau) plateau.restore(p.plateau);
    resumedFrom = { step: p.step, epoch: p.epoch, batch: p.batch };
    if (p.done) stoppedEarly = p.done.stoppedEarly;
    start = resumePoint(p, opts);
  }
  const bar = opts.label ? progressBar(opts.label, totalSteps, ['epoch', 'loss', opts.metricName ?? 'val']) : undefined;
  bar?.update(model.step);
  let ema = NaN;
  let lr = NaN;
  try {
    for (let epoch = start.epoch; epoch <= epochs; epoch++) {
      const resumed = epoch === start.epoch;
      const t0 = performance.now();
      const span = tracker?.startSpan(`${name}:epoch ${epoch}`);
      let lossSum = resumed ? start.lossSum : 0;
      let b = resumed ? start.batch : 0;
      if (b < stepsPerEpoch) {
        for await (const batch of opts.batches(epoch, b)) {
          lr = plateau ? plateau.lr : opts.schedule ? opts.schedule(model.step) : NaN;
          const r = await model.trainStep(batch, { lr: Number.isNaN(lr) ? undefined : lr });
          if (!Number.isFinite(r.loss)) throw new Error(`training diverged: loss is ${r.loss} at step ${model.step} (epoch ${epoch}); lower the learning rate`);
          lossSum += r.loss;
          b++;
          ema = Number.isNaN(ema) ? r.loss : 0.9 * ema + 0.1 * r.loss;
          bar?.update(model.step, { epoch, loss: ema.toFixed(4) });
          opts.onStep?.({ step: model.step, totalSteps, epoch, loss: r.loss, lr });
          if (ckpt && ckpt.every > 0 && model.step % ckpt.every === 0) await ckpt.save(model as Trainable<never>, progress(epoch, b, lossSum), null, false);
        }
      }
      const log: EpochLog = { epoch, steps: b, trainLoss: lossSum / Math.max(1, stepsPerEpoch), seconds: 0, lr };
      if (span) log.energy = await span.end();
      let improved = false;
      if (opts.evaluate) {
        const evalSpan = tracker?.startSpan(`${name}:eval ${epoch}`);
        log.eval = await opts.evaluate(epoch);
        if (evalSpan) log.evalEnergy = await evalSpan.end();
        bar?.update(model.step, { [opts.metricName ?? 'val']: log.eval.metric.toFixed(4) });
        plateau?.report(log.eval.metric);
        if (es) {
          improved = es.improves(log.eval.metric);
          // Stopping only counts as early when epochs were left.
          if (await es.update(log.eval.metric, epoch, () => model.getParams())) stoppedEarly = epoch < epochs;
        }
      }
      log.seconds = (performance.now() - t0) / 1000;
      history.push(log);
      opts.onEpoch?.(log);
      const finished = stoppedEarly || epoch === epochs;
      if (ckpt) await ckpt.save(model as Trainable<never>, { ...progress(epoch, stepsPerEpoch, lossSum), done: finished ? { stoppedEarly } : undefined }, improved ? es!.bestWeights ?? null : null, improved);
      if (stoppedEarly) break;
    }
  } finally {
    bar?.stop();
  }
  if (es?.bestWeights && opts.restoreBest !== false) await model.setParams(es.bestWeights); // end on the best weights, not the last
  return { history, stoppedEarly, steps: model.step, best: es && es.bestAt >= 0 ? { metric: es.best, epoch: es.bestAt } : undefined, resumedFrom };
}
