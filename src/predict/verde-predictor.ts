/**
 * A predictor for a verde model directory (docs/model-directory.md): verde.json says the labels,
 * the inputs and whether the output is logits or probabilities; model.onnx runs in ONNX Runtime;
 * vocab.txt / tokenizer.json and tokenizer_config.json give the tokenizer.
 */
import { join } from 'node:path';
import { exists } from '../util/atomic.js';
import { fail } from '../util/errors.js';
import { readManifest } from '../registry/manifest.js';
import { loadTokenizer } from '../tokenizers/load.js';
import { OnnxTextPredictor } from './onnx-text-predictor.js';
import type { Predictor, PredictorOptions } from './types.js';
import { MANIFEST_FILE, MODEL_FILE } from '../registry/files.js';


export async function loadVerdePredictor(dir: string, opts: PredictorOptions = {}): Promise<Predictor> {
  const manifest = await readManifest(dir);
  const where = join(dir, MANIFEST_FILE);
  if (manifest.task !== 'text-classification') {
    fail(where, `field "task" is "${manifest.task}"; verde predict classifies text (tabular models: use verde serve)`);
  }
  const modelPath = join(dir, MODEL_FILE);
  if (!(await exists(modelPath))) fail(modelPath, 'not found (a verde model directory needs model.onnx)');
  const text = manifest.text!;
  const maxLength = Math.min(opts.maxLength ?? text.maxLength, text.maxLength);
  const tokenizer = await loadTokenizer(dir, undefined, { doLowerCase: text.doLowerCase, maxLength: text.maxLength });
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
