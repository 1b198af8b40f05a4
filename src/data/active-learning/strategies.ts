/**
 * How the next batch of rows to label is picked from the unlabelled pool, given the current
 * model's fraud probabilities on it:
 * - random: the plain counterpart (what labelling without active learning costs);
 * - uncertainty: least confidence, the probability closest to 0.5;
 * - margin: closest to the model's operating threshold. For two classes the textbook margin
 *   |p1 - p0| orders rows exactly like least confidence, so here the margin is taken around the
 *   threshold that flags as many pool rows as the labelled rows' fraud rate predicts: the point a
 *   fraud team actually runs at, far from 0.5 when fraud is rare;
 * - diversity: the most uncertain few times the batch, thinned by farthest-first traversal
 *   (k-centre greedy) in standardised feature space so the batch does not spend its labels on
 *   near-identical rows.
 */
import type { Matrix } from '../../tabular/matrix.js';
import { normaliseRow, type Normaliser } from '../../tabular/normaliser.js';
import type { Random } from '../../util/random.js';

export type Strategy = 'random' | 'uncertainty' | 'margin' | 'diversity';
export const STRATEGIES: Strategy[] = ['random', 'uncertainty', 'margin', 'diversity'];

export interface SelectionContext {
  /** Indices (into the pool) still unlabelled. */
  unlabelled: number[];
  /** Indices already labelled. */
  labelled: number[];
  /** Current model's probabilities for every pool row (index = pool row). */
  scores: Float32Array;
  /** Fraud rate among the labelled rows (for the margin's threshold). */
  labelledPositiveRate: number;
  pool: Matrix;
  normaliser: Normaliser;
  rng: Random;
}

function smallestBy(indices: number[], key: (i: number) => number, k: number): number[] {
  return indices.map((i) => [key(i), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, k).map((p) => p[1]);
}

function operatingThreshold(ctx: SelectionContext): number {
  const s = ctx.unlabelled.map((i) => ctx.scores[i]).sort((a, b) => b - a);
  const flagged = Math.max(1, Math.round(Math.max(ctx.labelledPositiveRate, 1 / s.length) * s.length));
  return s[Math.min(s.length - 1, flagged - 1)];
}

function farthestFirst(ctx: SelectionContext, candidates: number[], k: number): number[] {
  const d = ctx.pool.cols;
  const vec = (i: number) => {
    const out = new Float32Array(d);
    normaliseRow(ctx.normaliser, ctx.pool.data.subarray(i * d, (i + 1) * d), out);
    return out;
  };
  const cand = candidates.map(vec);
  const dist2 = (a: Float32Array, b: Float32Array) => {
    let s = 0;
    for (let j = 0; j < d; j++) { const t = a[j] - b[j]; s += t * t; }
    return s;
  };
  // Distance of each candidate to its nearest already-labelled row (capped sample for speed).
  const anchors = ctx.labelled.length > 2000 ? ctx.labelled.slice(-2000) : ctx.labelled;
  const nearest = cand.map((c) => {
    let m = Infinity;
    for (const a of anchors) m = Math.min(m, dist2(c, vec(a)));
    return m;
  });
  const picked: number[] = [];
  const used = new Uint8Array(cand.length);
  while (picked.length < Math.min(k, cand.length)) {
    let best = -1;
    for (let j = 0; j < cand.length; j++) if (!used[j] && (best < 0 || nearest[j] > nearest[best])) best = j;
    used[best] = 1;
    picked.push(candidates[best]);
    for (let j = 0; j < cand.length; j++) if (!used[j]) nearest[j] = Math.min(nearest[j], dist2(cand[j], cand[best]));
  }
  return picked;
}

export function selectBatch(strategy: Strategy, ctx: SelectionContext, k: number): number[] {
  const { unlabelled, scores } = ctx;
  if (k >= unlabelled.length) return [...unlabelled];
  switch (strategy) {
    case 'random':
      return ctx.rng.shuffle([...unlabelled]).slice(0, k);
    case 'uncertainty':
      return smallestBy(unlabelled, (i) => Math.abs(scores[i] - 0.5), k);
    case 'margin': {
      const t = operatingThreshold(ctx);
      return smallestBy(unlabelled, (i) => Math.abs(scores[i] - t), k);
    }
    case 'diversity':
      return farthestFirst(ctx, smallestBy(unlabelled, (i) => Math.abs(scores[i] - 0.5), k * 5), k);
  }
}
