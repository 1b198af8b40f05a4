/**
 * Write one fraud model as a verde model directory (docs/model-directory.md): model.onnx and the
 * verde.json manifest (tabular-classification, features in order, probabilities out, lineage).
 */
import { join } from 'node:path';
import { modelVersion, writeManifest, type ModelManifest, type TabularFeature } from '../../registry/manifest.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { FeatureSpec } from '../../models/gbdt/index.js';

export interface TabularModelDir {
  name: string;
  onnx: Uint8Array;
  features: FeatureSpec[];
  labels?: [string, string];
  lineage?: ModelManifest['lineage'];
}

export async function writeTabularModelDir(dir: string, m: TabularModelDir): Promise<void> {
  const createdAt = new Date().toISOString();
  await writeFileAtomic(join(dir, 'model.onnx'), m.onnx);
  const features: TabularFeature[] = m.features.map((f) => (f.type === 'categorical' ? { name: f.name, type: 'categorical', categories: f.categories ?? [] } : { name: f.name, type: 'numeric' }));
  await writeManifest(dir, {
    format: 'verde-model',
    formatVersion: 1,
    name: m.name,
    version: modelVersion(m.onnx, createdAt),
    task: 'tabular-classification',
    labels: m.labels ?? ['legit', 'fraud'],
    createdAt,
    tabular: { features },
    io: { inputs: ['features'], output: 'probabilities', outputKind: 'probabilities' },
    lineage: m.lineage,
  });
}
