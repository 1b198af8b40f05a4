/**
 * Writes a GBDT as a verde model directory (docs/model-directory.md): model.onnx (the
 * TreeEnsembleClassifier graph), verde.json (task tabular-classification, the features with their
 * categories, outputKind probabilities) and gbdt.json (the TS model, for retraining or inspection).
 */
import { join } from 'node:path';
import { writeFileAtomic, writeDirAtomic } from '../../util/atomic.js';
import { tabularManifest, writeManifest, type ModelManifest } from '../../registry/manifest.js';
import { gbdtToOnnx } from './onnx.js';
import type { GbdtModel } from './types.js';
import { MODEL_FILE } from '../../registry/files.js';

export const GBDT_JSON_FILE = 'gbdt.json';

export interface GbdtModelDirOptions {
  name: string;
  /** Label names, negative first (default ['legit', 'fraud']). */
  labels?: [string, string];
  lineage?: ModelManifest['lineage'];
  /** Export only the first n trees. */
  nTrees?: number;
  /** Fixed creation time (tests); default now. */
  createdAt?: string;
}

export interface GbdtModelDirResult {
  dir: string;
  onnxBytes: number;
  manifest: ModelManifest;
}

export async function writeGbdtModelDir(dir: string, model: GbdtModel, opts: GbdtModelDirOptions): Promise<GbdtModelDirResult> {
  const onnxBytes = gbdtToOnnx(model, { nTrees: opts.nTrees, name: opts.name });
  const createdAt = opts.createdAt ?? new Date().toISOString();
  const manifest = tabularManifest({ name: opts.name, onnx: onnxBytes, labels: opts.labels ?? ['legit', 'fraud'], createdAt, features: model.features, lineage: opts.lineage });
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(join(tmp, MODEL_FILE), onnxBytes);
    await writeFileAtomic(join(tmp, GBDT_JSON_FILE), JSON.stringify(opts.nTrees !== undefined ? { ...model, trees: model.trees.slice(0, opts.nTrees) } : model));
    await writeManifest(tmp, manifest);
  });
  return { dir, onnxBytes: onnxBytes.length, manifest };
}
