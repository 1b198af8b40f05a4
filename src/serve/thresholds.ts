/**
 * Choosing thresholds on validation data:
 * - early exit (§3.4.1.1): the threshold that saves the most stages while accuracy stays at or
 *   above a target;
 * - cascade (§3.4.1.3): the threshold that lets the small model answer the most while the
 *   cascade's accuracy stays within `maxDrop` of the large model alone.
 * Candidates are the confidences seen on the data themselves (plus "never"), so the choice is exact
 * for that data; pass data the model was not trained on.
 */

const argmax = (p: number[]): number => p.indexOf(Math.max(...p));
const conf = (p: number[]): number => Math.max(...p);

/** Candidate thresholds: every distinct confidence, ascending, then +Infinity ("never answer early"). */
function candidates(confidences: number[]): number[] {
  return [...new Set(confidences)].sort((a, b) => a - b).concat([Infinity]);
}

export interface ExitChoice {
  /** Chosen threshold; null when even the full model misses the target (serve with early exit off). */
  threshold: number | null;
  accuracy: number;
  /** Accuracy of the last stage alone (the model without early exit). */
  fullAccuracy: number;
  /** Mean stages run per example (compute, relative to `stages` for the full model). */
  meanStages: number;
  stages: number;
  /** Share of examples answered at each exit. */
  exitShares: number[];
}

/** Evaluate early exit at `threshold`: `stageProbs[k][i]` = probabilities of example i at stage k. */
export function evaluateExit(stageProbs: number[][][], labels: number[], threshold: number): Omit<ExitChoice, 'threshold' | 'fullAccuracy'> {
  const K = stageProbs.length;
  const shares = new Array<number>(K).fill(0);
  let correct = 0;
  let stagesRun = 0;
  labels.forEach((y, i) => {
    let k = 0;
    while (k < K - 1 && conf(stageProbs[k]![i]!) < threshold) k++;
    shares[k]!++;
    stagesRun += k + 1;
    if (argmax(stageProbs[k]![i]!) === y) correct++;
  });
  const n = labels.length;
  return { accuracy: correct / n, meanStages: stagesRun / n, stages: K, exitShares: shares.map((s) => s / n) };
}

export function chooseExitThreshold(stageProbs: number[][][], labels: number[], targetAccuracy: number): ExitChoice {
  if (stageProbs.length === 0 || labels.length === 0) throw new Error('chooseExitThreshold: no stages or no validation examples');
  const K = stageProbs.length;
  const full = evaluateExit(stageProbs, labels, Infinity);
  let best: ExitChoice | null = null;
  for (const t of candidates(stageProbs.slice(0, K - 1).flat().map(conf))) {
    const e = evaluateExit(stageProbs, labels, t);
    if (e.accuracy < targetAccuracy) continue;
    if (!best || e.meanStages < best.meanStages || (e.meanStages === best.meanStages && e.accuracy > best.accuracy)) {
      best = { threshold: t, fullAccuracy: full.accuracy, ...e };
    }
  }
  return best ?? { threshold: null, fullAccuracy: full.accuracy, ...full };
}

export interface CascadeChoice {
  /** Chosen threshold; +Infinity would mean "always the large model", returned as null. */
  threshold: number | null;
  accuracy: number;
  largeAccuracy: number;
  smallAccuracy: number;
  /** Share of examples the small model answers. */
  smallShare: number;
}

export function evaluateCascade(smallProbs: number[][], largeProbs: number[][], labels: number[], threshold: number): { accuracy: number; smallShare: number } {
  let correct = 0;
  let small = 0;
  labels.forEach((y, i) => {
    const useSmall = conf(smallProbs[i]!) >= threshold;
    if (useSmall) small++;
    if (argmax((useSmall ? smallProbs : largeProbs)[i]!) === y) correct++;
  });
  return { accuracy: correct / labels.length, smallShare: small / labels.length };
}

/** The threshold that maximises the small model's share with accuracy >= large accuracy - maxDrop. */
export function chooseCascadeThreshold(smallProbs: number[][], largeProbs: number[][], labels: number[], maxDrop: number): CascadeChoice {
  if (labels.length === 0) throw new Error('chooseCascadeThreshold: no validation examples');
  const largeAcc = evaluateCascade(smallProbs, largeProbs, labels, Infinity).accuracy;
  const smallAcc = evaluateCascade(smallProbs, largeProbs, labels, -Infinity).accuracy;
  let best: CascadeChoice = { threshold: null, accuracy: largeAcc, largeAccuracy: largeAcc, smallAccuracy: smallAcc, smallShare: 0 };
  for (const t of candidates(smallProbs.map(conf))) {
    if (t === Infinity) continue;
    const e = evaluateCascade(smallProbs, largeProbs, labels, t);
    if (e.accuracy >= largeAcc - maxDrop && e.smallShare > best.smallShare) best = { threshold: t, accuracy: e.accuracy, largeAccuracy: largeAcc, smallAccuracy: smallAcc, smallShare: e.smallShare };
  }
  return best;
}
