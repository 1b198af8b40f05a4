/**
 * The text case's classical model class (§2.1): featurise with hashed word and character
 * n-grams, fit IDF on the training texts, train the linear model on verde's engine, write it as a
 * verde model directory (model.onnx + verde.json with its `featuriser`; no tokenizer files), and
 * say which class wins on energy per correct prediction. Kept apart from index.ts so the
 * transformer pipeline stays as it was.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.js';
import { choiceFlag } from '../../util/flags.js';
import type { SpanSource } from '../../engine/fit/loop.js';
import type { HashedNgramFeaturiser } from '../../tokenizers/hashed-ngrams.js';
import { linearTextToOnnx, trainLinearTextOnTexts, type LinearTextFit } from '../../models/linear-text/index.js';
import { textManifest, writeManifest, type ModelManifest } from '../../registry/manifest.js';
import { MODEL_FILE } from '../../registry/files.js';
import type { VariantResult } from './report.js';

export type ModelClass = 'transformer' | 'linear';
export const MODEL_CLASSES: readonly ModelClass[] = ['transformer', 'linear'];

export interface LinearTextOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed: number;
  threads?: number;
  hashDim?: number;
  /** The case's tracker: the training loop opens its per-epoch spans on it. */
  tracker?: SpanSource;
}

export interface LinearPrepared {
  featuriser: HashedNgramFeaturiser;
  fit: LinearTextFit;
  onnx: Uint8Array;
  testIds: number[][];
}

type Split = { texts: string[]; labels: number[] };

export async function trainLinearText(labels: string[], train: Split, val: Split, test: Split, o: LinearTextOptions): Promise<LinearPrepared> {
  const epochs = o.epochs ?? 5;
  const batchSize = o.batchSize ?? 32;
  const { featuriser, fit } = await trainLinearTextOnTexts(labels, train, val, {
    epochs, batchSize, lr: o.lr, seed: o.seed, threads: o.threads, hashDim: o.hashDim, label: 'train linear', tracker: o.tracker,
  });
  return { featuriser, fit, onnx: linearTextToOnnx(fit.model, 'text-linear'), testIds: test.texts.map((t) => featuriser.encode(t)) };
}

/** models/linear/: model.onnx and verde.json (whose `featuriser` tells predict and serve how to feed it). */
export async function writeLinearModelDir(dir: string, p: LinearPrepared, labels: string[], lineage: NonNullable<ModelManifest['lineage']>): Promise<void> {
  await writeFileAtomic(join(dir, MODEL_FILE), p.onnx);
  const createdAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const m = textManifest({ name: 'text-linear', onnx: p.onnx, labels, createdAt, maxLength: p.featuriser.maxLength, doLowerCase: p.featuriser.doLowerCase, lineage, featuriser: p.featuriser.spec });
  await writeManifest(dir, m);
}

export interface ClassChoice {
  /** The class whose best variant spends the least energy per correct prediction on this data. */
  winner: ModelClass;
  perClass: { modelClass: ModelClass; variant: string; accuracy: number; energyJPerCorrect: number | null; energyJPerInference: number; trainEnergyJ: number; sizeBytes: number }[];
  /** How many times the loser's J/correct the winner's is below (null when one class got nothing right). */
  ratio: number | null;
  line: string;
}

/** Which model class wins on energy per correct prediction (§2.1), from each class's best variant. */
export function chooseModelClass(variants: (VariantResult & { modelClass?: ModelClass })[], trainJ: Record<ModelClass, number>): ClassChoice | undefined {
  const per: ClassChoice['perClass'] = [];
  for (const c of MODEL_CLASSES) {
    const of = variants.filter((v) => (v.modelClass ?? 'transformer') === c && v.energyJPerCorrect !== null);
    if (!of.length) continue;
    const best = of.reduce((a, b) => (b.energyJPerCorrect! < a.energyJPerCorrect! ? b : a));
    per.push({ modelClass: c, variant: best.name, accuracy: best.accuracy, energyJPerCorrect: best.energyJPerCorrect, energyJPerInference: best.energyJPerInference, trainEnergyJ: trainJ[c], sizeBytes: best.sizeBytes });
  }
  if (per.length < 2) return undefined;
  const [a, b] = [...per].sort((x, y) => x.energyJPerCorrect! - y.energyJPerCorrect!);
  const ratio = a.energyJPerCorrect! > 0 ? b.energyJPerCorrect! / a.energyJPerCorrect! : null;
  const line = `Model class (§2.1): ${a.modelClass} wins on energy per correct prediction for this data — ${a.variant} ${a.energyJPerCorrect!.toPrecision(3)} J/correct (accuracy ${a.accuracy.toFixed(4)}, training ${a.trainEnergyJ.toPrecision(3)} J) vs ${b.variant} ${b.energyJPerCorrect!.toPrecision(3)} J/correct (accuracy ${b.accuracy.toFixed(4)}, training ${b.trainEnergyJ.toPrecision(3)} J)${ratio ? `, ${ratio.toFixed(1)}x less` : ''}`;
  return { winner: a.modelClass, perClass: per, ratio, line };
}

/** --classes: a comma list of transformer and linear (the library takes an array too); empty items are skipped, repeats count once. */
export function parseClasses(v: string | readonly string[] | undefined): ModelClass[] {
  const one = choiceFlag('--classes', MODEL_CLASSES);
  const list = (typeof v === 'string' ? v.split(',') : v ?? MODEL_CLASSES).map((s) => s.trim()).filter(Boolean).map(one);
  if (!list.length) one(typeof v === 'string' ? v : '');
  return [...new Set(list)];
}

/** Training energy per class from the case's stages: train-linear is the linear class's, train/recovery/early-exit the transformer's. */
export function trainEnergyByClass(stages: { name: string; energyJ: number }[]): Record<ModelClass, number> {
  const sum = (names: string[]) => stages.filter((s) => names.includes(s.name)).reduce((a, s) => a + s.energyJ, 0);
  return { transformer: sum(['train', 'recovery', 'early-exit']), linear: sum(['train-linear']) };
}
