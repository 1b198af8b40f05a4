/**
 * Write one fraud model as a verde model directory (docs/model-directory.md): model.onnx and the
 * verde.json manifest (tabular-classification, features in order, probabilities out, lineage).
 */
import { join } from 'node:path';
import { tabularManifest, writeManifest, type ModelManifest } from '../../registry/manifest.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { FeatureSpec } from '../../tabular/dataset.js';
import { MODEL_FILE } from '../../registry/files.js';

export interface TabularModelDir {
  name: string;
  onnx: Uint8Array;
  features: FeatureSpec[];
  labels?: [string, string];
  lineage?: ModelManifest['lineage'];
}

export async function writeTabularModelDir(dir: string, m: TabularModelDir): Promise<void> {
  const createdAt = new Date().toISOString();
  await writeFileAtomic(join(dir, MODEL_FILE), m.onnx);
  await writeManifest(dir, tabularManifest({ name: m.name, onnx: m.onnx, labels: m.labels ?? ['legit', 'fraud'], createdAt, features: m.features, lineage: m.lineage }));
}
