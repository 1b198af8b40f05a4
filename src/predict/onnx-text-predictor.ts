/**
 * Classify texts with an ONNX text classifier in an ONNX Runtime session: tokenise, batch (texts
 * grouped by length so little is padded), run, softmax. Shared by verde model directories
 * (model.onnx on disk) and Hugging Face directories (graph built in memory from safetensors).
 */
import type { ort as ortTypes } from '../engine/runtime/ort.js';
import { fail } from '../util/errors.js';
import type { TextEncoder } from '../tokenizers/hashed-ngrams.js';
import { argmax, softmaxRows } from '../util/softmax.js';
import type { Prediction, Predictor } from './types.js';

export interface OnnxTextPredictorSpec {
  kind: Predictor['kind'];
  session: ortTypes.InferenceSession;
  ort: typeof ortTypes;
  tokenizer: TextEncoder;
  labels: string[];
  maxLength: number;
  /** Name of the output to read; its kind says whether to softmax it. */
  output: string;
  outputKind: 'logits' | 'probabilities';
  batchSize: number;
  description: string;
  /** Where to point errors about the model (its file or directory). */
  where: string;
}

export class OnnxTextPredictor implements Predictor {
  readonly kind: Predictor['kind'];
  readonly labels: string[];
  readonly description: string;

  constructor(private readonly s: OnnxTextPredictorSpec) {
    this.kind = s.kind;
    this.labels = s.labels;
    this.description = s.description;
    if (!s.session.outputNames.includes(s.output)) {
      fail(s.where, `the model has no output "${s.output}" (outputs: ${s.session.outputNames.join(', ')})`);
    }
    for (const name of s.session.inputNames) {
      if (!['input_ids', 'attention_mask', 'token_type_ids'].includes(name)) {
        fail(s.where, `the model expects an input "${name}"; text models take input_ids and attention_mask`);
      }
    }
  }

  async predict(texts: string[]): Promise<Prediction[]> {
    const { session, ort, tokenizer, batchSize, maxLength } = this.s;
    const out: Prediction[] = new Array(texts.length);
    // Group by length: similar lengths share a batch, so dynamic padding wastes little.
    const order = texts.map((t, i) => ({ i, n: t.length })).sort((a, b) => a.n - b.n).map((x) => x.i);
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const batch = tokenizer.encodeBatch(idx.map((i) => texts[i]!), { maxLength });
      const dims = [batch.batchSize, batch.seqLen];
      const feeds: Record<string, ortTypes.Tensor> = {};
      for (const name of session.inputNames) {
        const data = name === 'input_ids' ? batch.inputIds : name === 'attention_mask' ? batch.attentionMask : new BigInt64Array(batch.inputIds.length);
        feeds[name] = new ort.Tensor('int64', data, dims);
      }
      const result = await session.run(feeds);
      const t = result[this.s.output]!;
      const width = Number(t.dims[t.dims.length - 1]);
      if (t.dims.length !== 2 || Number(t.dims[0]) !== idx.length || width !== this.labels.length) {
        fail(this.s.where, `output "${this.s.output}" has shape [${t.dims.join(', ')}] but ${this.labels.length} labels are declared`);
      }
      const values = t.data as Float32Array;
      const probs = this.s.outputKind === 'logits'
        ? softmaxRows(values, idx.length, width)
        : Array.from({ length: idx.length }, (_, r) => Array.from(values.subarray(r * width, (r + 1) * width)));
      idx.forEach((i, r) => {
        const p = probs[r]!;
        const labelId = argmax(p);
        out[i] = { text: texts[i]!, label: this.labels[labelId]!, labelId, probabilities: p };
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.s.session.release();
  }
}
