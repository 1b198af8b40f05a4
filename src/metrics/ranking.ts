/**
 * Ranking metrics for a binary scorer on imbalanced data (fraud: ~0.5 % positives), where accuracy
 * says nothing: PR-AUC (average precision, as scikit-learn defines it), ROC-AUC (tied scores count
 * one half), and recall at a false-positive-rate budget (the operating point a fraud team runs at).
 * Tied scores are one threshold: the curve never splits a group of equal scores.
 */

export type Scores = ArrayLike<number>;
export type Labels = ArrayLike<number>; // 1 = positive, anything else = negative

interface Group { tp: number; fp: number }

/** Counts of positives/negatives per distinct score, highest score first. */
function groupsByScore(scores: Scores, labels: Labels): { groups: Group[]; pos: number; neg: number } {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`ranking: ${n} scores but ${labels.length} labels`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`ranking: score ${i} is NaN`);
    order[i] = i;
  }
  order.sort((a, b) => scores[b] - scores[a]);
  const groups: Group[] = [];
  let pos = 0;
  let neg = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k]];
    const g: Group = { tp: 0, fp: 0 };
    while (k < n && scores[order[k]] === s) {
      if (labels[order[k]] === 1) g.tp++; else g.fp++;
      k++;
    }
    pos += g.tp;
    neg += g.fp;
    groups.push(g);
  }
  return { groups, pos, neg };
}

/** Average precision: sum over thresholds of (recall step) x (precision there). NaN with no positives. */
export function prAuc(scores: Scores, labels: Labels): number {
  const { groups, pos } = groupsByScore(scores, labels);
  if (pos === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const g of groups) {
    tp += g.tp;
    fp += g.fp;
    if (g.tp > 0) ap += (g.tp / pos) * (tp / (tp + fp));
  }
  return ap;
}

/** Area under the ROC curve (trapezoids between tied groups). NaN unless both classes are present. */
export function rocAuc(scores: Scores, labels: Labels): number {
  const { groups, pos, neg } = groupsByScore(scores, labels);
  if (pos === 0 || neg === 0) return NaN;
  let tp = 0;
  let area = 0;
  for (const g of groups) {
    // Each negative in this group sits above all earlier positives, and ties with this group's.
    area += g.fp * (tp + g.tp / 2);
    tp += g.tp;
  }
  return area / (pos * neg);
}

/** The highest recall at any threshold whose false-positive rate is at most `maxFpr` (default 1 %). */
export function recallAtFpr(scores: Scores, labels: Labels, maxFpr = 0.01): number {
  const { groups, pos, neg } = groupsByScore(scores, labels);
  if (pos === 0 || neg === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let best = 0;
  for (const g of groups) {
    tp += g.tp;
    fp += g.fp;
    if (fp / neg > maxFpr) break;
    best = tp / pos;
  }
  return best;
}

export interface RankingQuality {
  prAuc: number;
  rocAuc: number;
  recallAt1PctFpr: number;
}

export function rankingQuality(scores: Scores, labels: Labels): RankingQuality {
  return { prAuc: prAuc(scores, labels), rocAuc: rocAuc(scores, labels), recallAt1PctFpr: recallAtFpr(scores, labels, 0.01) };
}

/** Mean binary log loss of probabilities `p` against 0/1 labels (clipped at 1e-15, as scikit-learn). */
export function logloss(p: Scores, labels: Labels): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
    s -= labels[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / Math.max(1, p.length);
}
