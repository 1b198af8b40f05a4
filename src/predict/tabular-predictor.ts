/**
 * Predictions from a tabular verde model directory (verde fraud's models): rows of a CSV/JSONL/
 * Parquet file with the manifest's feature columns go in as `features` (float32 [rows, features],
 * manifest order; categoricals as their index in `categories`, missing or unseen as NaN, as
 * docs/model-directory.md specifies), probabilities (or softmaxed logits) come out.
 */
import { fail } from '../util/errors.js';
import type { ModelManifest, TabularFeature } from '../registry/manifest.js';
import { argmax, softmaxRows } from '../util/softmax.js';
import type { ModelDir } from '../registry/model-dir.js';
import type { PredictorOptions } from './types.js';
import { MODEL_FILE } from '../registry/files.js';

export interface TabularPrediction {
  /** 1-based record number in the input file. */
  row: number;
  label: string;
  labelId: number;
  probabilities: number[];
}

export interface TabularPredictor {
  labels: string[];
  features: TabularFeature[];
  description: string;
  /** Predict every row of `file` (its feature columns, by name). */
  predictFile(file: string, opts?: import('../data/text/files.js').ReadColumnsOptions): Promise<TabularPrediction[]>;
  close(): Promise<void>;
}

/** One CSV/Parquet cell as the model's feature value: a category's index, a number, or NaN when missing. */
export function featureValue(v: string | null, f: TabularFeature, file: string, row: number): number {
  if (v === null || v.trim() === '') return NaN;
  if (f.type === 'categorical') {
    const i = f.categories?.indexOf(v) ?? -1;
    return i >= 0 ? i : NaN; // unseen category: treated as missing
  }
  const n = Number(v);
  if (!Number.isFinite(n)) fail(file, `record ${row}: field "${f.name}" is not a number ("${v}")`);
  return n;
}

/** A predictor for a tabular model directory openModelDir opened and checked against its graph. */
export async function loadTabularPredictor(model: ModelDir, opts: PredictorOptions = {}): Promise<TabularPredictor> {
  const { manifest, modelPath } = model;
  const features = manifest.tabular!.features;
  const { createSession, ort } = await import('../engine/runtime/ort.js');
  let session: Awaited<ReturnType<typeof createSession>>;
  try {
    session = await createSession(modelPath, { threads: opts.threads });
  } catch (err) {
    fail(modelPath, `ONNX Runtime cannot load it (${String((err as Error).message).split('\n')[0]})`);
  }
  const input = manifest.io.inputs[0]!;
  const output = manifest.io.output;
  if (!session.outputNames.includes(output)) fail(modelPath, `the model has no output "${output}" (outputs: ${session.outputNames.join(', ')})`);
  const labels = manifest.labels;
  const batchSize = opts.batchSize ?? 256;
  return {
    labels,
    features,
    description: `verde model ${manifest.name} (${manifest.version}), tabular, ${features.length} features`,
    async predictFile(file, readOpts = {}): Promise<TabularPrediction[]> {
      const { readColumns } = await import('../data/text/files.js');
      const rows = await readColumns(file, features.map((f) => ({ name: f.name, flag: 'feature' })), readOpts);
      const out: TabularPrediction[] = [];
      for (let start = 0; start < rows.length; start += batchSize) {
        const chunk = rows.slice(start, start + batchSize);
        const data = new Float32Array(chunk.length * features.length);
        chunk.forEach((r, i) => features.forEach((f, j) => { data[i * features.length + j] = featureValue(r[j] ?? null, f, file, start + i + 1); }));
        const result = await session.run({ [input]: new ort.Tensor('float32', data, [chunk.length, features.length]) });
        const t = result[output]!;
        const width = Number(t.dims[t.dims.length - 1]);
        if (width !== labels.length) fail(modelPath, `output "${output}" has ${width} columns but ${labels.length} labels are declared`);
        const values = t.data as Float32Array;
        const probs = manifest.io.outputKind === 'logits'
          ? softmaxRows(values, chunk.length, width)
          : Array.from({ length: chunk.length }, (_, r) => Array.from(values.subarray(r * width, (r + 1) * width)));
        probs.forEach((p, r) => {
          const labelId = argmax(p);
          out.push({ row: start + r + 1, label: labels[labelId]!, labelId, probabilities: p });
        });
      }
      return out;
    },
    async close() {
      await session.release();
    },
  };
}
