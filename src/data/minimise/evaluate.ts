/**
 * `--evaluate`: the honest proof of a minimisation. The test rows are set aside before any step runs
 * (seeded, stratified by label), so no step sees or shrinks them; verde's default tabular model (the
 * GBDT with its default parameters) is trained on the original training rows and on the training
 * rows after each step, every model scored on the same test rows, each training measured by the meter.
 */
import { measure } from '../../meter/index.js';
import { readTabular, type TabularSchema } from '../tabular/index.js';
import { trainGbdt, predictProba, toRowMajor } from '../../models/gbdt/index.js';
import { rocAuc, prAuc } from '../../metrics/ranking.js';

export interface Quality {
  accuracy: number;
  rocAuc: number;
  prAuc: number;
  trainRows: number;
  features: number;
  /** Energy of the training alone, with its method label (e.g. modelled:tdp). */
  trainEnergyJ: number;
  energyMethod: string;
  trainSeconds: number;
}

/** Train on `trainFile` and score on `testFile` (both Parquet); `positive` pins the positive class. */
export async function evaluateGbdt(trainFile: string, testFile: string, labelCol: string, seed: number, positive?: string): Promise<Quality & { schema: TabularSchema }> {
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
    trainEnergyJ: energy.energyJ, energyMethod: energy.method, trainSeconds, schema: train.schema,
  };
}
