/**
 * The active-learning loop over any model with fit/predict: start from a small random seed set,
 * then repeatedly train, score the unlabelled pool, ask the "oracle" (the pool's hidden labels,
 * standing in for a fraud analyst) for the batch the strategy picks, and record the model's
 * quality on a fixed held-out set after each round. The answer to the guide's claim is
 * `labelsToTarget`: how many labels each strategy needed to reach the target PR-AUC.
 */
import type { Matrix } from '../../tabular/matrix.js';
import { takeRows, takeValues } from '../../tabular/matrix.js';
import { fitNormaliser } from '../../tabular/normaliser.js';
import { prAuc, rocAuc } from '../../metrics/ranking.js';
import { seededRandom } from '../../util/random.js';
import { selectBatch, type Strategy } from './strategies.js';

/** What active learning needs of a model: train on labelled rows, score rows. */
export interface ProbabilisticClassifier {
  fit(x: Matrix, y: Uint8Array): Promise<void> | void;
  predictProba(x: Matrix): Promise<Float32Array> | Float32Array;
}

export interface ActiveLearningOptions {
  pool: { x: Matrix; y: Uint8Array };
  test: { x: Matrix; y: Uint8Array };
  /** A fresh, untrained model each round (so every point of the curve is a model trained from scratch). */
  newModel: () => ProbabilisticClassifier;
  strategy: Strategy;
  initialLabels: number;
  batchSize: number;
  maxLabels: number;
  /** Stop once the held-out PR-AUC reaches this. */
  targetPrAuc?: number;
  seed?: number;
  onPoint?: (p: CurvePoint) => void;
}

export interface CurvePoint {
  labels: number;
  positives: number;
  prAuc: number;
  rocAuc: number;
}

export interface ActiveLearningResult {
  strategy: Strategy;
  curve: CurvePoint[];
  labelsToTarget?: number;
  targetPrAuc?: number;
}

export async function runActiveLearning(opts: ActiveLearningOptions): Promise<ActiveLearningResult> {
  const { pool, test } = opts;
  const n = pool.x.rows;
  const rng = seededRandom(opts.seed ?? 0);
  // The seed set is the same random draw for every strategy (same seed): only the choices after differ.
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  let labelled = order.slice(0, Math.min(n, opts.initialLabels));
  let cursor = labelled.length;
  // Fraud is rare: a seed set of one class cannot train a classifier, so keep drawing at random.
  const hasBoth = () => { let p = 0; for (const i of labelled) p += pool.y[i]; return p > 0 && p < labelled.length; };
  while (!hasBoth() && cursor < n) labelled.push(order[cursor++]);
  if (!hasBoth()) throw new Error('active learning: the pool has only one class');
  const isLabelled = new Uint8Array(n);
  for (const i of labelled) isLabelled[i] = 1;
  const normaliser = fitNormaliser(pool.x);
  const curve: CurvePoint[] = [];
  const selRng = seededRandom((opts.seed ?? 0) + 1);
  let labelsToTarget: number | undefined;
  for (;;) {
    const model = opts.newModel();
    const y = takeValues(pool.y, labelled);
    await model.fit(takeRows(pool.x, labelled), y);
    const scores = await model.predictProba(test.x);
    let positives = 0;
    for (const v of y) positives += v;
    const point: CurvePoint = { labels: labelled.length, positives, prAuc: prAuc(scores, test.y), rocAuc: rocAuc(scores, test.y) };
    curve.push(point);
    opts.onPoint?.(point);
    if (opts.targetPrAuc !== undefined && point.prAuc >= opts.targetPrAuc) { labelsToTarget = labelled.length; break; }
    if (labelled.length >= opts.maxLabels || labelled.length >= n) break;
    const unlabelled: number[] = [];
    for (let i = 0; i < n; i++) if (!isLabelled[i]) unlabelled.push(i);
    const poolScores = opts.strategy === 'random' ? new Float32Array(n) : await model.predictProba(pool.x);
    const k = Math.min(opts.batchSize, opts.maxLabels - labelled.length);
    const batch = selectBatch(opts.strategy, { unlabelled, labelled, scores: poolScores, labelledPositiveRate: positives / labelled.length, pool: pool.x, normaliser, rng: selRng }, k);
    for (const i of batch) isLabelled[i] = 1;
    labelled = labelled.concat(batch);
  }
  return { strategy: opts.strategy, curve, labelsToTarget, targetPrAuc: opts.targetPrAuc };
}
