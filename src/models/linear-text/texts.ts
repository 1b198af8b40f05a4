/**
 * The linear text classifier from raw texts to a fitted model: featurise with hashed word and
 * character n-grams, fit IDF on the training texts, train on verde's engine. One place for these
 * choices, shared by `verde text`'s linear class and `verde data minimise --evaluate` on text, so
 * both judge with the same model.
 */
import { HASHED_NGRAM_DEFAULTS, HashedNgramFeaturiser, fitIdf, type HashedNgramSpec } from '../../tokenizers/hashed-ngrams.js';
import { MODEL_FILE } from '../../registry/files.js';
import { fitLinearText, LINEAR_TEXT_FIT_DEFAULTS, type LinearTextFit, type LinearTextFitOptions } from './fit.js';

/** Hashed n-grams per text: enough for a few thousand characters of word 1-2 and char 3-5 grams. */
export const LINEAR_MAX_FEATURES = 4096;

/** The featuriser spec verde's linear text model uses (the IDF lives in model.onnx's `idf`). */
export function linearTextSpec(hashDim: number = HASHED_NGRAM_DEFAULTS.hashDim): HashedNgramSpec {
  return { kind: 'hashed-ngrams', wordNgrams: HASHED_NGRAM_DEFAULTS.wordNgrams, charNgrams: HASHED_NGRAM_DEFAULTS.charNgrams, hashDim, lowercase: HASHED_NGRAM_DEFAULTS.lowercase, idf: { file: MODEL_FILE, initializer: 'idf' } };
}

export interface TextSplit { texts: string[]; labels: number[] }

export interface LinearTextTrained {
  featuriser: HashedNgramFeaturiser;
  fit: LinearTextFit;
}

/**
 * Train on `train` (label ids into `labels`); the epoch with the best accuracy on `val` is kept
 * (`val` empty or absent: the training texts themselves, so no test text is ever looked at).
 */
export async function trainLinearTextOnTexts(
  labels: string[], train: TextSplit, val: TextSplit | undefined, o: LinearTextFitOptions & { hashDim?: number; maxFeatures?: number } = {},
): Promise<LinearTextTrained> {
  const featuriser = new HashedNgramFeaturiser(linearTextSpec(o.hashDim), o.maxFeatures ?? LINEAR_MAX_FEATURES);
  const trainIds = train.texts.map((t) => featuriser.encode(t));
  const useVal = val !== undefined && val.texts.length > 0;
  const valIds = useVal ? val.texts.map((t) => featuriser.encode(t)) : trainIds;
  const idf = fitIdf(trainIds, featuriser.spec.hashDim);
  const { hashDim: _h, maxFeatures: _m, ...fitOpts } = o;
  const fit = await fitLinearText({ hashDim: featuriser.spec.hashDim, labels, idf }, { ids: trainIds, labels: train.labels }, { ids: valIds, labels: useVal ? val.labels : train.labels }, {
    ...fitOpts, epochs: o.epochs ?? LINEAR_TEXT_FIT_DEFAULTS.epochs, batchSize: o.batchSize ?? LINEAR_TEXT_FIT_DEFAULTS.batchSize,
  });
  return { featuriser, fit };
}
