/**
 * `--evaluate`: the honest proof of a minimisation. The test rows are set aside before any step runs
 * (seeded, stratified by label), so no step sees or shrinks them; verde's default tabular model (the
 * GBDT with its default parameters) is trained on the original training rows and on the training
 * rows after each step, every model scored on the same test rows, each training measured by the meter.
 */
import { measure } from '../../meter/index.js';
import { readTabular } from '../tabular/index.js';
import { trainGbdt, predictProba, toRowMajor } from '../../models/gbdt/index.js';
import { rocAuc, prAuc } from '../../metrics/ranking.js';

export interface Quality {
  accuracy: number;
  /** Two-class data (always for the tabular GBDT; text with two classes). */
  rocAuc?: number;
  prAuc?: number;
  /** Text: the unweighted mean of per-class F1. */
  macroF1?: number;
  trainRows: number;
  /** Input features (text: the hashed n-gram dimension). */
  features: number;
  /** Energy of the training alone, with its method label (e.g. modelled:tdp). */
  trainEnergyJ: number;
  energyMethod: string;
  trainSeconds: number;
}

/**
 * Trains a model on `trainFile` and scores it on `testFile` (both Parquet, the label in `labelCol`);
 * `positive` pins the positive class the first call chose, so every model is scored the same way.
 */
export type Evaluator = (trainFile: string, testFile: string, labelCol: string, seed: number, positive?: string) => Promise<Quality & { positive: string }>;

/** The metric a step's quality drop is measured in, against the budget. */
export type BudgetMetric = 'rocAuc' | 'accuracy';

/** A model that judges a minimisation: how it trains and scores, its name, its budget metric. */
export interface EvaluatorSpec {
  evaluate: Evaluator;
  model: string;
  metric: BudgetMetric;
  /**
   * The columns the model reads (default: all). A step that keeps every row and leaves these
   * columns as they were cannot change the model, so its quality is carried over, not retrained.
   */
  reads?: (labelCol: string) => string[];
}

/** The tabular evaluator: verde's GBDT with its default parameters. */
export const evaluateGbdt: Evaluator = async (trainFile, testFile, labelCol, seed, positive) => {
  const train = await readTabular(trainFile, { labelCol, positive, onInfinite: 'missing' });
  const test = await readTabular(testFile, { labelCol, schema: train.schema, onInfinite: 'missing' });
  const t0 = performance.now();
  const { result: model, energy } = await measure(() => trainGbdt(train, { seed }), { scope: 'process' });
  const trainSeconds = (performance.now() - t0) / 1000;
  const p = predictProba(model, toRowMajor(test.columns));
  let correct = 0;
  for (let i = 0; i < p.length; i++) if ((p[i]! >= 0.5 ? 1 : 0) === test.labels[i]) correct++;
  return {
    accuracy: correct / p.length, rocAuc: rocAuc(p, test.labels), prAuc: prAuc(p, test.labels),
    trainRows: train.labels.length, features: train.features.length,
    trainEnergyJ: energy.energyJ, energyMethod: energy.method, trainSeconds, positive: train.schema.labels[1],
  };
};

export const GBDT_EVALUATOR: EvaluatorSpec = { evaluate: evaluateGbdt, model: 'verde GBDT, default parameters', metric: 'rocAuc' };
