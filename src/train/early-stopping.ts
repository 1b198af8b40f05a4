/**
 * Early stopping: stop when the validation metric has not improved for `patience` evaluations,
 * and keep a copy of the best weights so the run ends with them (not the last, overfitted ones).
 */
import { UserError } from '../util/errors.js';

export interface EarlyStoppingOptions {
  patience: number;
  mode?: 'min' | 'max'; // 'min' for a loss, 'max' for accuracy/F1
  minDelta?: number; // an improvement smaller than this does not count
}

export class EarlyStopping {
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  best: number;
  bestStep = -1;
  bestWeights: Map<string, Float32Array> | undefined;
  private bad = 0;

  constructor(opts: EarlyStoppingOptions) {
    if (!Number.isInteger(opts.patience) || opts.patience < 0) throw new UserError(`early stopping: patience must be a non-negative integer, got ${opts.patience}`);
    this.patience = opts.patience;
    this.mode = opts.mode ?? 'min';
    this.minDelta = opts.minDelta ?? 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /**
   * Report an evaluation. `weights` is called only when the metric improved (so copying the
   * weights out of the engine happens only then). Returns true when training should stop.
   */
  async update(metric: number, step: number, weights?: () => Promise<Map<string, Float32Array>>): Promise<boolean> {
    const better = this.mode === 'min' ? metric < this.best - this.minDelta : metric > this.best + this.minDelta;
    if (better) {
      this.best = metric;
      this.bestStep = step;
      this.bad = 0;
      if (weights) this.bestWeights = await weights();
      return false;
    }
    this.bad++;
    return this.bad > this.patience;
  }

  get stale(): number {
    return this.bad;
  }
}
