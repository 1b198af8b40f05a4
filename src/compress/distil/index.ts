/**
 * Knowledge distillation (guide §2, §5): train a compact student to copy a large teacher's
 * probabilities (Hinton et al. 2015). For a binary fraud score the "dark knowledge" is how sure the
 * teacher is on each row; the student learns from the blend alpha x teacher + (1 - alpha) x label,
 * with the teacher's logit softened by a temperature. The transfer set may include rows nobody
 * labelled: the teacher labels them for free.
 */
import type { Matrix } from '../../tabular/matrix.js';
import { SmallNet, type TrainOptions } from '../../models/logistic/net.js';

export interface DistilOptions {
  /** The transfer set's features. */
  x: Matrix;
  /** The teacher's fraud probabilities on x. */
  teacherProba: ArrayLike<number>;
  /** True labels where known (same length as x.rows); omitted: teacher only. */
  labels?: ArrayLike<number>;
  /** Weight of the teacher in the target (default 0.8; 1 without labels). */
  alpha?: number;
  /** Softening of the teacher's logit (default 1: the teacher as is). */
  temperature?: number;
  /** Student hidden widths (default [16]; [] = logistic regression). */
  hidden?: number[];
  train?: TrainOptions;
}

export function softTargets(opts: Pick<DistilOptions, 'teacherProba' | 'labels' | 'alpha' | 'temperature'>): Float32Array {
  const n = opts.teacherProba.length;
  const alpha = opts.labels ? opts.alpha ?? 0.8 : 1;
  const T = opts.temperature ?? 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, opts.teacherProba[i]));
    const soft = T === 1 ? p : 1 / (1 + Math.exp(-Math.log(p / (1 - p)) / T));
    out[i] = alpha * soft + (opts.labels ? (1 - alpha) * opts.labels[i] : 0);
  }
  return out;
}

export async function distilToSmallNet(opts: DistilOptions): Promise<SmallNet> {
  if (opts.teacherProba.length !== opts.x.rows) throw new Error(`distil: ${opts.teacherProba.length} teacher scores for ${opts.x.rows} rows`);
  const student = SmallNet.create(opts.x.cols, opts.hidden ?? [16], opts.train?.seed ?? 0);
  student.fitNormaliser(opts.x);
  await student.train(opts.x, softTargets(opts), { epochs: 5, learningRate: 0.005, ...opts.train });
  return student;
}
