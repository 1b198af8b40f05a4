/**
 * Classification metrics from predicted and true class ids: accuracy, macro-F1 (the unweighted
 * mean of per-class F1, so a rare class counts as much as a common one), the confusion matrix.
 */

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  correct: number;
  total: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  perClassF1: number[];
}

export function classificationMetrics(predicted: ArrayLike<number>, actual: ArrayLike<number>, nClasses: number): ClassificationMetrics {
  if (predicted.length !== actual.length) throw new Error(`metrics: ${predicted.length} predictions for ${actual.length} labels`);
  const confusion = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    confusion[actual[i]][predicted[i]]++;
    if (actual[i] === predicted[i]) correct++;
  }
  const perClassF1 = confusion.map((row, c) => {
    const tp = row[c];
    const fn = row.reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, r) => a + r[c], 0) - tp;
    // A class absent from both truth and predictions has F1 1 (nothing to get wrong), as
    // scikit-learn's zero_division=1; with zero_division=0 a tiny test set would be punished.
    if (tp + fp + fn === 0) return 1;
    return (2 * tp) / (2 * tp + fp + fn);
  });
  const total = actual.length;
  return {
    accuracy: total ? correct / total : 0,
    macroF1: perClassF1.reduce((a, b) => a + b, 0) / Math.max(nClasses, 1),
    correct,
    total,
    confusion,
    perClassF1,
  };
}

/** Arg-max of each row of a row-major [rows, width] logits array. */
export function argmaxRows(logits: ArrayLike<number>, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < logits.length / width; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (logits[r * width + k] > logits[r * width + best]) best = k;
    out.push(best);
  }
  return out;
}
