/**
 * `--evaluate` on text data: verde's cheap default text model, the linear model on hashed word and
 * character n-grams with TF-IDF weighting (src/models/linear-text, the same one `verde text
 * --classes linear` trains), trained on the training texts of a step and scored on the held-out
 * test texts. Featurising, IDF and training are all inside the measured span: that is the training
 * cost a smaller corpus saves. The best epoch is chosen on the training texts, never the test ones.
 */
import { measure } from '../../meter/index.js';
import { sqlIdent, sqlString } from '../../util/sql.js';
import { fail } from '../../util/errors.js';
import { trainLinearTextOnTexts, linearTextForward, LINEAR_MAX_FEATURES } from '../../models/linear-text/index.js';
import { HASHED_NGRAM_DEFAULTS } from '../../tokenizers/hashed-ngrams.js';
import { classificationMetrics } from '../../metrics/classification.js';
import { rocAuc, prAuc } from '../../metrics/ranking.js';
import { openDuck, queryObjects } from '../profile/index.js';
import type { Evaluator, EvaluatorSpec } from './evaluate.js';

export interface LinearTextEvalOptions {
  /** Training epochs (default 5, as `verde text`). */
  epochs?: number;
  batchSize?: number;
  /** Hashed feature space (default 2^18, as `verde text`). */
  hashDim?: number;
  /** N-grams kept per text (default 4096, as `verde text`). */
  maxFeatures?: number;
  threads?: number;
}

async function readTexts(file: string, textCol: string, labelCol: string): Promise<{ texts: string[]; labels: string[] }> {
  const { con, close } = await openDuck(':memory:', { memoryLimit: '512MB' });
  try {
    const rows = await queryObjects(con, `SELECT coalesce(CAST(${sqlIdent(textCol)} AS VARCHAR), '') AS t, CAST(${sqlIdent(labelCol)} AS VARCHAR) AS l FROM read_parquet(${sqlString(file)}) WHERE ${sqlIdent(labelCol)} IS NOT NULL`);
    return { texts: rows.map((r) => String(r.t)), labels: rows.map((r) => String(r.l)) };
  } finally {
    close();
  }
}

export function linearTextEvaluator(textCol: string, o: LinearTextEvalOptions = {}): EvaluatorSpec {
  const epochs = o.epochs ?? 5;
  const evaluate: Evaluator = async (trainFile, testFile, labelCol, seed, positive) => {
    const train = await readTexts(trainFile, textCol, labelCol);
    const test = await readTexts(testFile, textCol, labelCol);
    if (!train.texts.length) fail(`text column "${textCol}"`, 'no training texts with a label');
    // Class names from training and test rows together: the test rows never change, so every
    // step's model is scored over the same classes even if a step removed a class from training.
    const names = [...new Set([...train.labels, ...test.labels])].sort();
    const idOf = new Map(names.map((n, i) => [n, i]));
    const ids = (ls: string[]) => ls.map((l) => idOf.get(l)!);
    const t0 = performance.now();
    const { result, energy } = await measure(
      () => trainLinearTextOnTexts(names, { texts: train.texts, labels: ids(train.labels) }, undefined, { epochs, batchSize: o.batchSize, hashDim: o.hashDim, maxFeatures: o.maxFeatures, threads: o.threads, seed }),
      { scope: 'process' },
    );
    const trainSeconds = (performance.now() - t0) / 1000;
    const logits = linearTextForward(result.fit.model, test.texts.map((t) => result.featuriser.encode(t)));
    const actual = ids(test.labels);
    const predicted = logits.map((l) => l.indexOf(Math.max(...l)));
    const m = classificationMetrics(predicted, actual, names.length);
    const pos = positive ?? names[names.length - 1]!;
    const q = {
      accuracy: m.accuracy, macroF1: m.macroF1,
      trainRows: train.texts.length, features: result.featuriser.spec.hashDim,
      trainEnergyJ: energy.energyJ, energyMethod: energy.method, trainSeconds, positive: pos,
    };
    if (names.length !== 2 || !idOf.has(pos)) return q;
    // Two classes: also rank by the logit margin of the positive class (monotone in its probability).
    const p = idOf.get(pos)!;
    const scores = logits.map((l) => l[p]! - l[1 - p]!);
    const y = actual.map((a) => (a === p ? 1 : 0));
    return { ...q, rocAuc: rocAuc(scores, y), prAuc: prAuc(scores, y) };
  };
  const dim = Math.log2(o.hashDim ?? HASHED_NGRAM_DEFAULTS.hashDim);
  const size = `${epochs} epochs, hash dim ${Number.isInteger(dim) ? `2^${dim}` : o.hashDim}, <= ${o.maxFeatures ?? LINEAR_MAX_FEATURES} n-grams per text`;
  return { evaluate, metric: 'accuracy', reads: (labelCol) => [textCol, labelCol], model: `verde linear text model (hashed word 1-2 + char 3-5 n-grams, TF-IDF; ${size}) on "${textCol}"` };
}
