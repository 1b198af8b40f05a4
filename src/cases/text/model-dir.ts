/**
 * Write one text-classification variant as a self-contained verde model directory
 * (docs/model-directory.md): model.onnx, verde.json, the HF config.json, and the tokenizer files
 * (vocab.txt + tokenizer_config.json), so `verde predict`, `verde serve`, ONNX Runtime in any
 * language, and Transformers (config + vocab) can all use it.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { textManifest, writeManifest, type ModelManifest } from '../../registry/manifest.js';
import { saveTokenizer } from '../../tokenizers/load.js';
import type { WordPieceTokenizer } from '../../tokenizers/wordpiece.js';
import { type DistilBertConfig, toHfConfig } from '../../models/distilbert/config.js';
import { CONFIG_FILE, MODEL_FILE } from '../../registry/files.js';

export interface TextModelDirSpec {
  name: string;
  onnx: Uint8Array;
  config: DistilBertConfig;
  tokenizer: WordPieceTokenizer;
  maxLength: number;
  lineage: NonNullable<ModelManifest['lineage']>;
  /** Early-exit stage files (relative path -> bytes) and the confidence threshold. */
  exits?: { files: [string, Uint8Array][]; threshold: number | null };
}

export async function writeTextModelDir(dir: string, spec: TextModelDirSpec): Promise<void> {
  const createdAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await writeFileAtomic(join(dir, MODEL_FILE), spec.onnx);
  await writeJsonAtomic(join(dir, CONFIG_FILE), toHfConfig(spec.config));
  await saveTokenizer(dir, spec.tokenizer);
  if (spec.exits) for (const [rel, bytes] of spec.exits.files) await writeFileAtomic(join(dir, rel), bytes);
  const manifest = textManifest({ name: spec.name, onnx: spec.onnx, labels: spec.config.labels, createdAt, maxLength: spec.maxLength, doLowerCase: spec.tokenizer.doLowerCase, lineage: spec.lineage });
  if (spec.exits) manifest.earlyExit = { stages: spec.exits.files.map(([rel]) => rel), threshold: spec.exits.threshold };
  await writeManifest(dir, manifest);
}
