/**
 * A predictor for a verde model directory (docs/model-directory.md): verde.json says the labels,
 * the inputs and whether the output is logits or probabilities; model.onnx runs in ONNX Runtime;
 * vocab.txt / tokenizer.json and tokenizer_config.json give the tokenizer.
 */
import { fail } from '../util/errors.js';
import { openModelDir, type ModelDir } from '../registry/model-dir.js';
import { loadTokenizer } from '../tokenizers/load.js';
import { textEncoderFor } from '../tokenizers/text-encoder.js';
import { OnnxTextPredictor } from './onnx-text-predictor.js';
import type { Predictor, PredictorOptions } from './types.js';
import { MANIFEST_FILE, MODEL_FILE } from '../registry/files.js';


/** A text predictor for a verde model directory (a path, or one openModelDir already opened and checked). */
export async function loadVerdePredictor(model: string | ModelDir, opts: PredictorOptions = {}): Promise<Predictor> {
  const { dir, manifest, manifestPath, modelPath } = typeof model === 'string' ? await openModelDir(model) : model;
  if (manifest.task !== 'text-classification') {
    fail(manifestPath, `field "task" is "${manifest.task}"; this predictor classifies text (tabular models: verde predict --data FILE, verde serve)`);
  }
  const text = manifest.text!;
  const maxLength = Math.min(opts.maxLength ?? text.maxLength, text.maxLength);
  const tokenizer = await textEncoderFor(manifest.featuriser, text.maxLength, () => loadTokenizer(dir, undefined, { doLowerCase: text.doLowerCase, maxLength: text.maxLength }));
  const { createSession, ort } = await import('../engine/runtime/ort.js');
  let session;
  try {
    session = await createSession(modelPath, { threads: opts.threads });
  } catch (err) {
    fail(modelPath, `ONNX Runtime cannot load it (${String((err as Error).message).split('\n')[0]})`);
  }
  return new OnnxTextPredictor({
    kind: 'verde', session, ort, tokenizer, labels: manifest.labels, maxLength,
    output: manifest.io.output, outputKind: manifest.io.outputKind, batchSize: opts.batchSize ?? 16,
    description: `verde model ${manifest.name} (${manifest.version})${manifest.lineage?.technique ? `, ${manifest.lineage.technique}` : ''}`,
    where: modelPath,
  });
}
