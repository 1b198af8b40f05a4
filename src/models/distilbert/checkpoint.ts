/**
 * Load a Hugging Face DistilBERT model directory (config.json + model.safetensors) into verde's
 * parameter map, checking every tensor's shape against the config; a base checkpoint without a
 * classification head (distilbert-base-uncased) gets a freshly initialised one. Names saved from
 * DistilBertModel (no "distilbert." prefix) are accepted too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../../util/atomic.js';
import { parseSafetensors } from '../../engine/safetensors.js';
import { fail } from '../../util/errors.js';
import { type DistilBertConfig, parseHfConfig } from './config.js';
import { type Params, checkParams, paramShapes } from './params.js';
import { CONFIG_FILE, SAFETENSORS_FILE } from '../../registry/files.js';

/** Read a .safetensors file (the engine's reader; F16/BF16 widened) as float32 parameters. */
export async function readParams(path: string): Promise<Params> {
  let bytes: Uint8Array;
  try {
    // A plain Uint8Array copy, not a Buffer: Buffer#slice shares memory, and the parser slices.
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    fail(path, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const { tensors } = parseSafetensors(bytes, path);
  const params: Params = new Map();
  for (const [name, t] of tensors) {
    if (t.dtype !== 'float32') fail(path, `tensor "${name}" has dtype ${t.dtype} (float weights expected)`);
    params.set(name, { data: t.data as Float32Array, dims: [...t.dims] });
  }
  return params;
}

export interface LoadedDistilBert {
  config: DistilBertConfig;
  params: Params;
  dir: string;
}

/**
 * Load config.json + model.safetensors from `dir`. `labels` (when fine-tuning on a dataset)
 * replaces the checkpoint's labels; a head whose size no longer matches is re-initialised.
 */
export async function loadHfDistilBert(dir: string, opts: { labels?: string[]; seed?: number } = {}): Promise<LoadedDistilBert> {
  const cfgPath = join(dir, CONFIG_FILE);
  if (!(await exists(dir))) fail(dir, 'model directory not found');
  if (!(await exists(cfgPath))) fail(cfgPath, 'not found (a Hugging Face model directory needs config.json)');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(cfgPath, 'utf8'));
  } catch (err) {
    fail(cfgPath, `not valid JSON (${(err as Error).message})`);
  }
  let config = parseHfConfig(raw, cfgPath);
  const stPath = join(dir, SAFETENSORS_FILE);
  if (!(await exists(stPath))) {
    const bin = await exists(join(dir, 'pytorch_model.bin'));
    fail(stPath, bin ? 'not found (only pytorch_model.bin is there; convert it to safetensors)' : 'not found');
  }
  const params = await readParams(stPath);
  for (const [name, p] of [...params]) {
    if (name.startsWith('embeddings.') || name.startsWith('transformer.')) {
      params.delete(name);
      params.set(`distilbert.${name}`, p);
    }
  }
  if (opts.labels) {
    const same = opts.labels.length === config.labels.length && opts.labels.every((l, i) => l === config.labels[i]);
    if (!same) {
      if (opts.labels.length !== config.labels.length) {
        params.delete('classifier.weight');
        params.delete('classifier.bias');
      }
      config = { ...config, labels: opts.labels };
    }
  }
  checkParams(config, params, stPath, { seed: opts.seed ?? 42 });
  // Drop tensors the classifier does not use (e.g. the MLM head of a base checkpoint).
  const keep = new Set(paramShapes(config).keys());
  for (const n of [...params.keys()]) if (!keep.has(n)) params.delete(n);
  return { config, params, dir };
}
