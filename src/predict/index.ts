/**
 * Load a text classifier from what the user passed to --model: a verde model directory
 * (verde.json), a Hugging Face DistilBERT directory (config.json), or a Hub id (fetched into the
 * cache when online).
 */
import { join } from 'node:path';
import { exists } from '../util/atomic.js';
import { fail } from '../util/errors.js';
import { resolveModelDir } from '../hub/resolve.js';
import { loadHfPredictor } from './hf-predictor.js';
import { loadVerdePredictor } from './verde-predictor.js';
import { openModelDir } from '../registry/model-dir.js';
import { loadTabularPredictor, type TabularPredictor } from './tabular-predictor.js';
import type { Predictor, PredictorOptions } from './types.js';
import { CONFIG_FILE, MANIFEST_FILE } from '../registry/files.js';

export type { Prediction, Predictor, PredictorOptions } from './types.js';
export { loadVerdePredictor } from './verde-predictor.js';
export { MODEL_FILE } from '../registry/files.js';
export { loadHfPredictor } from './hf-predictor.js';
export { OnnxTextPredictor, type OnnxTextPredictorSpec } from './onnx-text-predictor.js';
export { softmaxRows, argmax } from '../util/softmax.js';
export { loadTabularPredictor, type TabularPredictor, type TabularPrediction } from './tabular-predictor.js';

export type OpenedModel =
  | { task: 'text-classification'; predictor: Predictor }
  | { task: 'tabular-classification'; predictor: TabularPredictor };

/** Open any model verde can predict with: text (verde or HF directory, Hub id) or tabular (verde directory). */
export async function openModel(model: string, opts: PredictorOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<OpenedModel> {
  const dir = await resolveModelDir(model, { env: opts.env });
  if (await exists(join(dir, MANIFEST_FILE))) {
    const opened = await openModelDir(dir); // read once, checked against model.onnx before any session
    if (opened.manifest.task === 'tabular-classification') return { task: 'tabular-classification', predictor: await loadTabularPredictor(opened, opts) };
    return { task: 'text-classification', predictor: await loadVerdePredictor(opened, opts) };
  }
  return { task: 'text-classification', predictor: await loadPredictor(dir, opts) };
}

/** A text classifier from a verde model directory, a Hugging Face directory or a Hub id. */
export async function loadPredictor(model: string, opts: PredictorOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<Predictor> {
  const dir = await resolveModelDir(model, { env: opts.env });
  if (await exists(join(dir, MANIFEST_FILE))) return loadVerdePredictor(dir, opts);
  if (await exists(join(dir, CONFIG_FILE))) return loadHfPredictor(dir, opts);
  fail(dir, `neither a verde model directory (${MANIFEST_FILE}) nor a Hugging Face model directory (config.json)`);
}
