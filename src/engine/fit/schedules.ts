/**
 * Learning-rate schedules in TypeScript: each training step takes its learning rate as a number
 * (the in-place optimiser's per-step scalars, engine/optim.ts), so a schedule is just a function
 * of the step (or, for ReduceLROnPlateau, of the validation metric).
 * Steps are 0-based optimiser updates.
 */
import { UserError } from '../../util/errors.js';

export type Schedule = (step: number) => number;

export function constantLr(lr: number): Schedule {
  return () => lr;
}

/**
 * Linear warm-up to `lr` over `warmupSteps`, then linear decay to 0 at `totalSteps` (Hugging Face's
 * get_linear_schedule_with_warmup, except that warm-up step k runs at (k + 1) / warmupSteps of the
 * rate: the first step does not run at rate 0, which would be a wasted step).
 */
export function linearWarmupDecay(lr: number, warmupSteps: number, totalSteps: number): Schedule {
  if (totalSteps < 0 || warmupSteps < 0 || warmupSteps > totalSteps) {
    throw new UserError(`linear schedule: need 0 <= warmupSteps (${warmupSteps}) <= totalSteps (${totalSteps})`);
  }
  // Written as (lr * a) / b, the order fitDistilBert always used, so its rates stay bit-identical.
  return (step) => (step < warmupSteps ? (lr * (step + 1)) / warmupSteps : (lr * Math.max(0, totalSteps - step)) / Math.max(1, totalSteps - warmupSteps));
}

/** Optional linear warm-up, then cosine decay from `lr` to `minLr` at `totalSteps`. */
export function cosineLr(lr: number, totalSteps: number, opts: { warmupSteps?: number; minLr?: number } = {}): Schedule {
  const warm = opts.warmupSteps ?? 0;
  const minLr = opts.minLr ?? 0;
  if (totalSteps <= 0 || warm < 0 || warm > totalSteps) throw new UserError(`cosine schedule: need 0 <= warmupSteps (${warm}) <= totalSteps (${totalSteps})`);
  return (step) => {
    if (step < warm) return (lr * step) / Math.max(1, warm);
    const progress = Math.min(1, (step - warm) / Math.max(1, totalSteps - warm));
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}

/**
 * ReduceLROnPlateau (PyTorch semantics, threshold mode 'rel'): after `patience` evaluations
 * without improvement, multiply the learning rate by `factor` (not below `minLr`), then wait
 * `cooldown` evaluations. Call `report(metric)` after each evaluation; read `lr`.
 */
export class ReduceLROnPlateau {
  lr: number;
  private best: number;
  private bad = 0;
  private cooldownLeft = 0;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly cooldown: number;
  readonly minLr: number;

  constructor(lr: number, opts: { mode?: 'min' | 'max'; factor?: number; patience?: number; threshold?: number; cooldown?: number; minLr?: number } = {}) {
    this.lr = lr;
    this.mode = opts.mode ?? 'min';
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    if (!(this.factor > 0 && this.factor < 1)) throw new UserError(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  private improved(metric: number): boolean {
    return this.mode === 'min' ? metric < this.best * (1 - Math.sign(this.best) * this.threshold) : metric > this.best * (1 + Math.sign(this.best) * this.threshold);
  }

  /** Feed one evaluation's metric; returns the (possibly reduced) learning rate. */
  report(metric: number): number {
    if (this.improved(metric) || !Number.isFinite(this.best)) {
      this.best = metric;
      this.bad = 0;
    } else this.bad++;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.bad = 0;
    }
    if (this.bad > this.patience) {
      this.lr = Math.max(this.lr * this.factor, this.minLr);
      this.cooldownLeft = this.cooldown;
      this.bad = 0;
    }
    return this.lr;
  }

  /** What a checkpoint keeps, so a resumed run reduces the rate at the same evaluations. */
  state(): { lr: number; best: number | null; bad: number; cooldownLeft: number } {
    return { lr: this.lr, best: Number.isFinite(this.best) ? this.best : null, bad: this.bad, cooldownLeft: this.cooldownLeft };
  }

  restore(s: { lr: number; best: number | null; bad: number; cooldownLeft: number }): void {
    this.lr = s.lr;
    if (s.best !== null) this.best = s.best;
    this.bad = s.bad;
    this.cooldownLeft = s.cooldownLeft;
  }

  /** Use as a step schedule (the rate changes only through report()). */
  get schedule(): Schedule {
    return () => this.lr;
  }
}
