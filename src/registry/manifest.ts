/**
 * The manifest (`verde.json`) of a verde model directory: what the model is, how to feed it, and
 * where it came from (lineage, for the guide's §2.5 governance). See docs/model-directory.md.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fail } from '../util/errors.js';
import { readJsonObject } from '../util/json-file.js';
import { exists, writeJsonAtomic } from '../util/atomic.js';
import { MANIFEST_FILE } from './files.js';
import { writeModelCard } from './model-card.js';
import { checkManifest } from './manifest-check.js';

export { MANIFEST_FILE };

export type { ModelManifest, ModelTask, TabularFeature } from './manifest-types.js';
import type { ModelManifest, TabularFeature } from './manifest-types.js';

/** The version string for a model file's bytes created at `createdAt`. */
export function modelVersion(onnxBytes: Uint8Array, createdAt: string): string {
  const sha = createHash('sha256').update(onnxBytes).digest('hex').slice(0, 12);
  return `${createdAt}+${sha}`;
}

/** What both kinds of model share in a manifest, given by whoever writes one. */
interface ManifestBase {
  name: string;
  /** The model file's bytes, for the version. */
  onnx: Uint8Array;
  labels: string[];
  lineage?: ModelManifest['lineage'];
  /** Default: now, as an ISO 8601 string. */
  createdAt?: string;
}

/** The fields every manifest has, in file order, around the task-specific `body` (text or tabular). */
function manifestOf(m: ManifestBase, task: ModelManifest['task'], body: Pick<ModelManifest, 'text' | 'tabular' | 'featuriser'>, io: ModelManifest['io']): ModelManifest {
  const createdAt = m.createdAt ?? new Date().toISOString();
  return {
    format: 'verde-model',
    formatVersion: 1,
    name: m.name,
    version: modelVersion(m.onnx, createdAt),
    task,
    labels: m.labels,
    createdAt,
    ...body,
    io,
    lineage: m.lineage,
  };
}

/**
 * A text classifier's manifest: inputs input_ids and attention_mask ([batch, sequence] int64),
 * output logits — the I/O every verde text model has, and that predict and serve rely on.
 */
export function textManifest(m: ManifestBase & { maxLength: number; doLowerCase: boolean; featuriser?: ModelManifest['featuriser'] }): ModelManifest {
  const body: Pick<ModelManifest, 'text' | 'featuriser'> = { text: { maxLength: m.maxLength, doLowerCase: m.doLowerCase } };
  if (m.featuriser) body.featuriser = m.featuriser;
  return manifestOf(m, 'text-classification', body, { inputs: ['input_ids', 'attention_mask'], output: 'logits', outputKind: 'logits' });
}

/**
 * A tabular classifier's manifest: input features ([batch, features] float32, in this order,
 * categoricals as category indices, missing as NaN), output probabilities.
 */
export function tabularManifest(m: ManifestBase & { features: readonly { name: string; type: string; categories?: string[] }[] }): ModelManifest {
  const features = m.features.map((f): TabularFeature => (f.type === 'categorical' ? { name: f.name, type: 'categorical', categories: f.categories ?? [] } : { name: f.name, type: 'numeric' }));
  return manifestOf(m, 'tabular-classification', { tabular: { features } }, { inputs: ['features'], output: 'probabilities', outputKind: 'probabilities' });
}

/** verde.json, and beside it the model card (README.md) every verde model directory carries. */
export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  await writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
  await writeModelCard(dir, manifest);
}

/**
 * Read and check a model directory's manifest field by field (manifest-check.ts); errors name the
 * file and the field. Checks against model.onnx and the directory: openModelDir (model-dir.ts).
 */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, MANIFEST_FILE);
  if (!(await exists(path))) fail(path, 'not found (is this a verde model directory?)');
  return checkManifest(path, await readJsonObject(path));
}
