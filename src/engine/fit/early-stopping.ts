/**
 * Early stopping: stop when the validation metric has not improved for `patience` evaluations in a
 * row (Hugging Face's EarlyStoppingCallback and Keras count the same way: patience 1 stops after the
 * first evaluation that is not better), and keep a copy of the best weights so the run ends with
 * them, not the last, overfitted ones. `patience: Infinity` never stops and only keeps the best.
 */
import { UserError } from '../../util/errors.js';

export interface EarlyStoppingOptions {
  patience: number;
  mode?: 'min' | 'max'; // 'min' for a loss, 'max' for accuracy/F1
  minDelta?: number; // an improvement smaller than this does not count
}

/** What a checkpoint keeps of it (the best weights are saved beside, as a file). */
export interface EarlyStoppingState {
  best: number | null;
  bestAt: number;
  stale: number;
}

export class EarlyStopping {
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  best: number;
  /** Where the best was seen: the epoch (1-based) in fitLoop; -1 before any evaluation. */
  bestAt = -1;
  bestWeights: Map<string, Float32Array> | undefined;
  private bad = 0;

  constructor(opts: EarlyStoppingOptions) {
    const p = opts.patience;
    if (!(p === Infinity || (Number.isInteger(p) && p >= 1))) throw new UserError(`early stopping: patience must be a positive integer (or Infinity), got ${p}`);
    this.patience = p;
    this.mode = opts.mode ?? 'min';
    this.minDelta = opts.minDelta ?? 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /**
   * Report an evaluation made at `at`. `weights` is called only when the metric improved (so
   * copying the weights out of the engine happens only then). Returns true when training should stop.
   */
  async update(metric: number, at: number, weights?: () => Promise<Map<string, Float32Array>>): Promise<boolean> {
    if (this.improves(metric)) {
      this.best = metric;
      this.bestAt = at;
      this.bad = 0;
      if (weights) this.bestWeights = await weights();
      return false;
    }
    this.bad++;
    return this.bad >= this.patience;
  }

  /** Whether `metric` would count as an improvement (the first evaluation always does). */
  improves(metric: number): boolean {
    if (this.bestAt < 0) return true;
    return this.mode === 'min' ? metric < this.best - this.minDelta : metric > this.best + this.minDelta;
  }

  get stale(): number {
    return this.bad;
  }

  state(): EarlyStoppingState {
    return { best: this.bestAt < 0 ? null : this.best, bestAt: this.bestAt, stale: this.bad };
  }

  /** Continue from a checkpoint's state (and, separately, its best weights). */
  restore(s: EarlyStoppingState, weights: Map<string, Float32Array> | undefined): void {
    if (s.best !== null) this.best = s.best;
    this.bestAt = s.bestAt;
    this.bad = s.stale;
    this.bestWeights = weights;
  }
}
