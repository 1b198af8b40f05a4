/** Binary classification metrics on scores (any monotone score: margins or probabilities). */

/** Mean binary log loss of probabilities `p` against 0/1 labels. */
export function logloss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
    s -= y[i] ? Math.log(q) : Math.log(1 - q);
  }
  return s / Math.max(1, p.length);
}

function order(scores: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => scores[b]! - scores[a]!);
}

/** ROC-AUC with ties counted as half (rank statistic). */
export function rocAuc(scores: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = order(scores);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < y.length; i++) (y[i] ? pos++ : neg++);
  if (pos === 0 || neg === 0) return NaN;
  // Walk from the highest score down; for each group of tied scores add its pairs.
  let tp = 0;
  let fp = 0;
  let area = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    let gp = 0;
    let gn = 0;
    const s = scores[idx[i]!]!;
    while (j < idx.length && scores[idx[j]!] === s) {
      if (y[idx[j]!]) gp++;
      else gn++;
      j++;
    }
    area += gn * (tp + gp / 2);
    tp += gp;
    fp += gn;
    i = j;
  }
  return area / (pos * neg);
}

/** PR-AUC as average precision (the step-wise area, as scikit-learn's average_precision_score). */
export function prAuc(scores: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = order(scores);
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i]) pos++;
  if (pos === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    let gp = 0;
    const s = scores[idx[i]!]!;
    while (j < idx.length && scores[idx[j]!] === s) {
      if (y[idx[j]!]) gp++;
      else fp++;
      j++;
    }
    tp += gp;
    if (gp > 0) ap += (gp / pos) * (tp / (tp + fp));
    i = j;
  }
  return ap;
}

/** Recall (true-positive rate) at the highest threshold whose false-positive rate is <= maxFpr (default 1 %). */
export function recallAtFpr(scores: ArrayLike<number>, y: ArrayLike<number>, maxFpr = 0.01): number {
  const idx = order(scores);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < y.length; i++) (y[i] ? pos++ : neg++);
  if (pos === 0 || neg === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let best = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    const s = scores[idx[i]!]!;
    while (j < idx.length && scores[idx[j]!] === s) {
      if (y[idx[j]!]) tp++;
      else fp++;
      j++;
    }
    if (fp / neg <= maxFpr) best = tp / pos;
    else break;
    i = j;
  }
  return best;
}
