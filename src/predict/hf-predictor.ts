/**
 * A predictor for a Hugging Face DistilBERT directory: the weights (model.safetensors) are loaded
 * and checked by the DistilBERT model code, which builds its ONNX inference graph in memory; the
 * session and the tokenizer then work as for a verde model directory.
 */
import { fail } from '../util/errors.js';
import { loadHfModelDir } from '../hub/hf-dir.js';
import { OnnxTextPredictor } from './onnx-text-predictor.js';
import type { Predictor, PredictorOptions } from './types.js';

export async function loadHfPredictor(dir: string, opts: PredictorOptions = {}): Promise<Predictor> {
  const hf = await loadHfModelDir(dir); // config, labels, tokenizer, weights path: one-line errors
  if (!hf.hasClassifierHead) {
    fail(hf.weightsPath, 'has no classification head (pre_classifier, classifier): it is a base model; fine-tune it first (verde text --model ...) and predict with the result');
  }
  const { loadHfDistilBert } = await import('../models/distilbert/checkpoint.js');
  const { buildInferenceGraph } = await import('../models/distilbert/inference-graph.js');
  const loaded = await loadHfDistilBert(dir);
  const graph = buildInferenceGraph(loaded.config, loaded.params);
  const { createSession, ort } = await import('../engine/runtime/ort.js');
  const session = await createSession(graph.bytes, { threads: opts.threads });
  const maxLength = Math.min(opts.maxLength ?? hf.tokenizer.maxLength, hf.config.maxPositions);
  return new OnnxTextPredictor({
    kind: 'hf', session, ort, tokenizer: hf.tokenizer, labels: loaded.config.labels, maxLength,
    output: 'logits', outputKind: 'logits', batchSize: opts.batchSize ?? 16,
    description: `Hugging Face DistilBERT ${dir} (${loaded.config.nLayers} layers, dim ${loaded.config.dim})`,
    where: hf.weightsPath,
  });
}
