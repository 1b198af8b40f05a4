/**
 * Choosing thresholds on validation data:
 * - early exit (§3.4.1.1): the threshold that saves the most stages while accuracy stays at or
 *   above a target (an absolute accuracy, or at most `maxDrop` below the full model's);
 * - cascade (§3.4.1.3): the threshold that lets the small model answer the most while the
 *   cascade's accuracy stays within `maxDrop` of the large model alone.
 * Candidates are the confidences seen on the data (plus "never"), so the choice is exact for that
 * data. Each is found by one sweep down the sorted confidences — a row's outcome changes only when
 * the threshold passes one of its own confidences — so a choice costs O(n log n), not O(n^2). The
 * threshold returned is the midpoint between the chosen confidence and the next lower one seen:
 * the same decisions on this data, with a margin for the last-digit differences between a
 * calibration run and a padded server batch. Pass data the models were not trained on.
 */

const argmax = (p: number[]): number => p.indexOf(Math.max(...p));
const conf = (p: number[]): number => Math.max(...p);

/** Accuracy to keep: absolute, or at most maxDrop below the reference model (the full or large one). */
export type AccuracyTarget = number | { maxDrop: number };

const targetFor = (t: AccuracyTarget, reference: number): number => (typeof t === 'number' ? t : reference - t.maxDrop);

/** The threshold to serve for candidate `value`: halfway down to the next lower value seen (if any). */
const midpoint = (value: number, lower: number | undefined): number => (lower === undefined ? value : (value + lower) / 2);

export interface ExitChoice {
  /**
   * Chosen threshold; null when no threshold meets the target except "never exit early" (or not
   * even that): serve with early exit off.
   */
  threshold: number | null;
  accuracy: number;
  /** Accuracy of the last stage alone (the model without early exit). */
  fullAccuracy: number;
  /** The accuracy the choice had to keep. */
  targetAccuracy: number;
  /** Mean stages run per example (compute, relative to `stages` for the full model). */
  meanStages: number;
  stages: number;
  /** Share of examples answered at each exit. */
  exitShares: number[];
}

/** Evaluate early exit at `threshold`: `stageProbs[k][i]` = probabilities of example i at stage k. */
export function evaluateExit(stageProbs: number[][][], labels: number[], threshold: number): Omit<ExitChoice, 'threshold' | 'fullAccuracy' | 'targetAccuracy'> {
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

export function chooseExitThreshold(stageProbs: number[][][], labels: number[], target: AccuracyTarget): ExitChoice {
  const K = stageProbs.length;
  const n = labels.length;
  if (K === 0 || n === 0) throw new Error('chooseExitThreshold: no stages or no validation examples');
  const right = stageProbs.map((stage) => labels.map((y, i): number => (argmax(stage[i]!) === y ? 1 : 0)));
  // Start at "never": every example runs every stage.
  const exitAt = new Array<number>(n).fill(K - 1);
  let correct = right[K - 1]!.reduce((a, b) => a + b, 0);
  let stagesRun = n * K;
  const fullAccuracy = correct / n;
  const targetAccuracy = targetFor(target, fullAccuracy);
  // Lowering the threshold past confidence c of example i at stage k < K-1 lets i exit at k.
  const events: { c: number; i: number; k: number }[] = [];
  for (let k = 0; k < K - 1; k++) stageProbs[k]!.forEach((p, i) => events.push({ c: conf(p), i, k }));
  events.sort((a, b) => b.c - a.c);
  let best: { at: number; accuracy: number; meanStages: number } | null = correct / n >= targetAccuracy ? { at: -1, accuracy: correct / n, meanStages: K } : null;
  for (let e = 0; e < events.length; ) {
    const c = events[e]!.c;
    for (; e < events.length && events[e]!.c === c; e++) {
      const { i, k } = events[e]!;
      if (k >= exitAt[i]!) continue;
      correct += right[k]![i]! - right[exitAt[i]!]![i]!;
      stagesRun -= exitAt[i]! - k;
      exitAt[i] = k;
    }
    const accuracy = correct / n;
    const meanStages = stagesRun / n;
    if (accuracy >= targetAccuracy && (!best || meanStages < best.meanStages || (meanStages === best.meanStages && accuracy > best.accuracy))) {
      best = { at: e - 1, accuracy, meanStages };
    }
  }
  if (!best || best.at < 0) {
    const full = evaluateExit(stageProbs, labels, Infinity);
    return { threshold: null, fullAccuracy, targetAccuracy, ...full };
  }
  const threshold = midpoint(events[best.at]!.c, events[best.at + 1]?.c);
  return { threshold, fullAccuracy, targetAccuracy, ...evaluateExit(stageProbs, labels, threshold) };
}

export interface CascadeChoice {
  /** Chosen threshold; null when the small model may answer nothing ("always the large model"). */
  threshold: number | null;
  accuracy: number;
  largeAccuracy: number;
  smallAccuracy: number;
  /** The accuracy the choice had to keep. */
  targetAccuracy: number;
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

/** The threshold that maximises the small model's share with accuracy >= the target (default: large accuracy - maxDrop). */
export function chooseCascadeThreshold(smallProbs: number[][], largeProbs: number[][], labels: number[], target: AccuracyTarget): CascadeChoice {
  const n = labels.length;
  if (n === 0) throw new Error('chooseCascadeThreshold: no validation examples');
  const rightS = labels.map((y, i): number => (argmax(smallProbs[i]!) === y ? 1 : 0));
  const rightL = labels.map((y, i): number => (argmax(largeProbs[i]!) === y ? 1 : 0));
  const largeAccuracy = rightL.reduce((a, b) => a + b, 0) / n;
  const smallAccuracy = rightS.reduce((a, b) => a + b, 0) / n;
  const targetAccuracy = targetFor(target, largeAccuracy);
  // Lowering the threshold past an example's small-model confidence hands it to the small model.
  const order = labels.map((_, i) => ({ c: conf(smallProbs[i]!), i })).sort((a, b) => b.c - a.c);
  let correct = largeAccuracy * n;
  let best: { at: number; accuracy: number; small: number } | null = null;
  for (let e = 0; e < order.length; ) {
    const c = order[e]!.c;
    for (; e < order.length && order[e]!.c === c; e++) correct += rightS[order[e]!.i]! - rightL[order[e]!.i]!;
    if (correct / n >= targetAccuracy && (!best || e > best.small)) best = { at: e - 1, accuracy: correct / n, small: e };
  }
  if (!best) return { threshold: null, accuracy: largeAccuracy, largeAccuracy, smallAccuracy, targetAccuracy, smallShare: 0 };
  const threshold = midpoint(order[best.at]!.c, order[best.at + 1]?.c);
  return { threshold, largeAccuracy, smallAccuracy, targetAccuracy, ...evaluateCascade(smallProbs, largeProbs, labels, threshold) };
}
