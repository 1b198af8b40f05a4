/**
 * A Hugging Face model directory (config.json, model.safetensors, vocab.txt and/or tokenizer.json,
 * tokenizer_config.json), checked and opened: the parsed config, the labels, the tokenizer, and
 * where the weights are, and whether they include a classification head. Reading the weights
 * themselves is the DistilBERT model's job (loadHfDistilBert in src/models/distilbert/).
 * Only safetensors is read: a pytorch_model.bin is a Python pickle that cannot be loaded safely
 * without Python, so it gets a clear error with the conversion to run.
 */
import { readJsonFile } from '../util/json-file.js';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../util/atomic.js';
import { fail } from '../util/errors.js';
import { loadTokenizer } from '../tokenizers/load.js';
import { MAX_HEADER_BYTES, parseSafetensorsHeader } from '../engine/safetensors-header.js';
import type { WordPieceTokenizer } from '../tokenizers/wordpiece.js';
// One DistilBERT config concept in verde: the model's own (HF config.json fields, pruning fields).
import { parseHfConfig, type DistilBertConfig } from '../models/distilbert/config.js';
import { CONFIG_FILE, MANIFEST_FILE, SAFETENSORS_FILE } from '../registry/files.js';

export { CONFIG_FILE, SAFETENSORS_FILE };
export const PYTORCH_BIN_FILE = 'pytorch_model.bin';

export interface HfModelDir {
  dir: string;
  config: DistilBertConfig;
  /** The raw config.json object (for fields verde does not interpret). */
  rawConfig: Record<string, unknown>;
  labels: string[];
  /** Path of model.safetensors. */
  weightsPath: string;
  tokenizer: WordPieceTokenizer;
  /** Whether the checkpoint has a trained classification head (pre_classifier + classifier). */
  hasClassifierHead: boolean;
}

/**
 * Tensor names in a safetensors file, from its header alone (the weights are not read); the
 * header is checked as the engine's reader checks it (one-line errors naming the file and tensor).
 */
export async function safetensorsTensorNames(path: string): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const len = lenBuf.readBigUInt64LE(0);
    if (len < 2n || 8n + len > BigInt(size) || len > BigInt(MAX_HEADER_BYTES)) fail(path, `corrupted safetensors header (header length ${len} in a ${size}-byte file)`);
    const head = Buffer.alloc(Number(len));
    await fh.read(head, 0, head.length, 8);
    return parseSafetensorsHeader(head, size - 8 - head.length, path).entries.map((e) => e.name);
  } finally {
    await fh.close();
  }
}

/** True if `dir` looks like a Hugging Face model directory (has config.json and no verde.json). */
export async function isHfModelDir(dir: string): Promise<boolean> {
  return (await exists(join(dir, CONFIG_FILE))) && !(await exists(join(dir, MANIFEST_FILE)));
}

export { readJsonFile };

/** The weights file of `dir`, or a one-line error that says what is wrong and what to do. */
export async function findSafetensors(dir: string): Promise<string> {
  const st = join(dir, SAFETENSORS_FILE);
  if (await exists(st)) {
    if ((await stat(st)).size < 8) fail(st, 'file is too short to be safetensors (truncated download?)');
    return st;
  }
  if (await exists(join(dir, 'model.safetensors.index.json'))) {
    fail(dir, 'sharded safetensors (model.safetensors.index.json) is not supported; save the model as one model.safetensors');
  }
  if (await exists(join(dir, PYTORCH_BIN_FILE))) {
    fail(join(dir, PYTORCH_BIN_FILE), 'PyTorch pickle weights are not supported (verde reads model.safetensors only); convert once with Python: ' +
      `\`from transformers import AutoModelForSequenceClassification as M; M.from_pretrained("${dir}").save_pretrained("${dir}", safe_serialization=True)\``);
  }
  fail(dir, `no ${SAFETENSORS_FILE} (the weights file)`);
}

/** id2label and label2id must agree, and a classifier needs two labels at least. */
function checkLabelMaps(raw: Record<string, unknown>, labels: string[], where: string): void {
  if (labels.length < 2) fail(where, `needs at least two labels (field "id2label" or "num_labels"); has ${labels.length}`);
  if (raw.num_labels !== undefined && raw.id2label !== undefined && raw.num_labels !== labels.length) {
    fail(where, `field "num_labels" is ${String(raw.num_labels)} but "id2label" has ${labels.length} labels`);
  }
  const label2id = raw.label2id;
  if (label2id && typeof label2id === 'object') {
    for (const [name, id] of Object.entries(label2id as Record<string, unknown>)) {
      if (labels[Number(id)] !== name) fail(where, `field "label2id" maps "${name}" to ${String(id)} but "id2label" disagrees`);
    }
  }
}

/** Open the Hugging Face DistilBERT directory `dir` (local path). */
export async function loadHfModelDir(dir: string): Promise<HfModelDir> {
  const configPath = join(dir, CONFIG_FILE);
  if (!(await exists(dir))) fail(dir, 'model directory not found');
  if (!(await exists(configPath))) fail(dir, `no ${CONFIG_FILE} (not a Hugging Face model directory)`);
  const rawConfig = (await readJsonFile(configPath)) as Record<string, unknown>;
  const config = parseHfConfig(rawConfig, configPath);
  checkLabelMaps(rawConfig, config.labels, configPath);
  const weightsPath = await findSafetensors(dir);
  const tokenizer = await loadTokenizer(dir, config.maxPositions);
  if (tokenizer.vocabSize > config.vocabSize) {
    fail(configPath, `field "vocab_size" is ${config.vocabSize} but the tokenizer has ${tokenizer.vocabSize} tokens`);
  }
  const names = new Set(await safetensorsTensorNames(weightsPath));
  const hasClassifierHead = ['pre_classifier.weight', 'classifier.weight'].every((n) => names.has(n));
  return { dir, config, rawConfig, labels: config.labels, weightsPath, tokenizer, hasClassifierHead };
}
