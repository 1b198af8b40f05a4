/**
 * Run real models over validation data to choose the early-exit and cascade thresholds
 * (thresholds.ts beside it does the choosing). Each model runs in its own inference worker, the
 * same code path the server uses.
 */
import { resolve } from 'node:path';
import { readManifest } from '../registry/manifest.js';
import { UserError } from '../util/errors.js';
import { ModelWorker } from '../serve/model-worker.js';
import { rowCount, sliceRows, type BatchRows } from '../serve/protocol.js';
import { chooseCascadeThreshold, chooseExitThreshold, type AccuracyTarget, type CascadeChoice, type ExitChoice } from './thresholds.js';
import { checkCascadePair, exitThresholdFor } from '../serve/load-models.js';

export interface ValidationSet {
  /** Texts (text models) or feature vectors in manifest order (tabular models). */
  rows: BatchRows;
  /** True label of each row, as the manifest's label string. */
  labels: string[];
}

const BATCH = 64;

function labelIndices(labels: string[], known: string[], where: string): number[] {
  return labels.map((l, i) => {
    const k = known.indexOf(l);
    if (k < 0) throw new UserError(`${where}: validation label ${i} "${l}" is not one of the model's labels (${known.join(', ')})`);
    return k;
  });
}

/** Choose the early-exit threshold of a model with earlyExit stages for `target` on `data`. */
export async function calibrateEarlyExit(dir: string, data: ValidationSet, target: AccuracyTarget, threads = 1): Promise<ExitChoice> {
  const m = await readManifest(resolve(dir));
  if (!m.earlyExit?.stages.length) throw new UserError(`${dir}: verde.json has no "earlyExit" stages`);
  const worker = new ModelWorker(resolve(dir), m, threads, m.earlyExit.threshold);
  try {
    await worker.ready;
    const perStage: number[][][] = m.earlyExit.stages.map(() => []);
    for (let i = 0; i < rowCount(data.rows); i += BATCH) {
      const stages = await worker.traceStages(sliceRows(data.rows, i, i + BATCH));
      stages.forEach((rows, k) => perStage[k]!.push(...rows));
    }
    return chooseExitThreshold(perStage, labelIndices(data.labels, m.labels, dir), target);
  } finally {
    await worker.close();
  }
}

/**
 * Choose a cascade's threshold for `target` on `data` (e.g. { maxDrop: 0.01 } of the large model's
 * accuracy). Each model runs as `verde serve --cascade` runs it: with its own early-exit threshold
 * from verde.json unless `exitThreshold` overrides it (null = off).
 */
export async function calibrateCascade(smallDir: string, largeDir: string, data: ValidationSet, target: AccuracyTarget, threads = 1, exitThreshold?: number | null): Promise<CascadeChoice> {
  const [ms, ml] = [await readManifest(resolve(smallDir)), await readManifest(resolve(largeDir))];
  checkCascadePair(ms, ml, `--cascade small=${smallDir},large=${largeDir}`);
  const small = new ModelWorker(resolve(smallDir), ms, threads, exitThresholdFor(ms, exitThreshold));
  const large = new ModelWorker(resolve(largeDir), ml, threads, exitThresholdFor(ml, exitThreshold));
  try {
    await Promise.all([small.ready, large.ready]);
    const sp: number[][] = [];
    const lp: number[][] = [];
    for (let i = 0; i < rowCount(data.rows); i += BATCH) {
      const part = sliceRows(data.rows, i, i + BATCH);
      sp.push(...(await small.run(part)).probabilities);
      lp.push(...(await large.run(part)).probabilities);
    }
    return chooseCascadeThreshold(sp, lp, labelIndices(data.labels, ml.labels, largeDir), target);
  } finally {
    await Promise.all([small.close(), large.close()]);
  }
}
