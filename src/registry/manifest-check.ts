/**
 * The field checks of a `verde.json` on its own (no other file read): every field predict and serve
 * rely on has the type and range docs/model-directory.md gives, so nothing downstream meets a
 * `null` label or a string where a list belongs. Errors name the file and the field, on one line.
 * Checks against the graph and the directory are model-dir.ts's.
 */
import { isAbsolute } from 'node:path';
import { fail } from '../util/errors.js';
import type { ModelManifest } from './manifest-types.js';

/** Longest text input (tokens) a manifest may ask for when the directory has no config.json to say its position table. */
export const MAX_TEXT_LENGTH = 8192;

/** A value in a one-line error, shortened. */
export function shownValue(v: unknown): string {
  const s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A list of non-empty, distinct strings (at least `min`). */
function checkStringList(path: string, field: string, v: unknown, min: number): string[] {
  if (!Array.isArray(v) || v.length < min) fail(path, `field "${field}" must list at least ${min} name${min === 1 ? '' : 's'} (got ${shownValue(v)})`);
  const seen = new Set<string>();
  v.forEach((x, i) => {
    if (typeof x !== 'string' || x.trim() === '') fail(path, `field "${field}[${i}]" must be a non-empty string (got ${shownValue(x)})`);
    if (seen.has(x)) fail(path, `field "${field}" lists ${shownValue(x)} twice`);
    seen.add(x);
  });
  return v as string[];
}

/**
 * Where an early-exit stage file may be: a relative path that stays inside the model directory
 * (no absolute path, no `..` segment). Symbolic links are model-dir.ts's to resolve.
 */
export function checkStagePath(path: string, i: number, stage: unknown): string {
  const field = `earlyExit.stages[${i}]`;
  if (typeof stage !== 'string' || stage === '') fail(path, `field "${field}" must be a path to a stage file (got ${shownValue(stage)})`);
  if (stage.includes('\0')) fail(path, `field "${field}" contains a NUL character`);
  if (isAbsolute(stage) || /^[a-zA-Z]:[\\/]/.test(stage) || stage.startsWith('\\')) {
    fail(path, `field "${field}" is an absolute path (${shownValue(stage)}); stages are files inside the model directory`);
  }
  if (stage.split(/[\\/]/).includes('..')) fail(path, `field "${field}" (${shownValue(stage)}) leaves the model directory ("..")`);
  return stage;
}

function checkText(path: string, t: unknown): void {
  if (!isObject(t)) fail(path, `field "text" must be an object {maxLength, doLowerCase} (got ${shownValue(t)})`);
  if (!Number.isInteger(t.maxLength) || (t.maxLength as number) < 2 || (t.maxLength as number) > MAX_TEXT_LENGTH) {
    fail(path, `field "text.maxLength" must be a whole number of tokens from 2 to ${MAX_TEXT_LENGTH} (got ${shownValue(t.maxLength)})`);
  }
  if (typeof t.doLowerCase !== 'boolean') fail(path, `field "text.doLowerCase" must be true or false (got ${shownValue(t.doLowerCase)})`);
}

function checkFeaturiser(path: string, f: unknown): void {
  if (!isObject(f) || f.kind !== 'hashed-ngrams') fail(path, `field "featuriser.kind" must be "hashed-ngrams" (got ${shownValue(isObject(f) ? f.kind : f)})`);
  const range = (k: string, min: number) => {
    const r = f[k];
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isInteger(v) && v >= min) || r[0] > r[1]) fail(path, `field "featuriser.${k}" must be [min, max] whole numbers with ${min} <= min <= max (got ${shownValue(r)})`);
  };
  range('wordNgrams', 1);
  range('charNgrams', 0);
  if (!Number.isInteger(f.hashDim) || (f.hashDim as number) < 2 || (f.hashDim as number) > 1 << 24) fail(path, `field "featuriser.hashDim" must be a whole number from 2 to ${1 << 24} (got ${shownValue(f.hashDim)})`);
  if (typeof f.lowercase !== 'boolean') fail(path, `field "featuriser.lowercase" must be true or false (got ${shownValue(f.lowercase)})`);
  if (!isObject(f.idf) || typeof f.idf.file !== 'string' || typeof f.idf.initializer !== 'string') fail(path, `field "featuriser.idf" must be {file, initializer} (got ${shownValue(f.idf)})`);
}

function checkTabular(path: string, t: unknown): void {
  if (!isObject(t) || !Array.isArray(t.features) || t.features.length === 0) {
    fail(path, `field "tabular.features" must list the features, [{name, type}, ...] (got ${shownValue(isObject(t) ? t.features : t)})`);
  }
  const names = new Set<string>();
  t.features.forEach((f: unknown, i: number) => {
    const field = `tabular.features[${i}]`;
    if (!isObject(f)) fail(path, `field "${field}" must be an object {name, type} (got ${shownValue(f)})`);
    if (typeof f.name !== 'string' || f.name.trim() === '') fail(path, `field "${field}.name" must be a non-empty string (got ${shownValue(f.name)})`);
    if (names.has(f.name)) fail(path, `field "tabular.features" lists the feature ${shownValue(f.name)} twice`);
    names.add(f.name);
    if (f.type !== 'numeric' && f.type !== 'categorical') fail(path, `field "${field}.type" must be "numeric" or "categorical" (got ${shownValue(f.type)})`);
    if (f.type === 'categorical') checkStringList(path, `${field}.categories`, f.categories, 0);
  });
}

/** Check a parsed `verde.json` (from `path`) field by field; returns it typed. */
export function checkManifest(path: string, m: Record<string, unknown>): ModelManifest {
  if (m.format !== 'verde-model') fail(path, 'field "format" must be "verde-model"');
  if (m.formatVersion !== 1) fail(path, `field "formatVersion" ${shownValue(m.formatVersion)} is not supported (expected 1)`);
  for (const field of ['name', 'version', 'task', 'createdAt'] as const) {
    if (typeof m[field] !== 'string' || m[field] === '') fail(path, `field "${field}" must be a non-empty string`);
  }
  if (m.task !== 'text-classification' && m.task !== 'tabular-classification') fail(path, `field "task" is ${shownValue(m.task)} (expected "text-classification" or "tabular-classification")`);
  if (!Array.isArray(m.labels) || m.labels.length < 2) fail(path, `field "labels" must list at least two labels (got ${shownValue(m.labels)})`);
  checkStringList(path, 'labels', m.labels, 2);
  const io = m.io;
  if (!isObject(io)) fail(path, 'field "io" must have "inputs" and "output"');
  checkStringList(path, 'io.inputs', io.inputs, 1);
  if (typeof io.output !== 'string' || io.output === '') fail(path, `field "io.output" must be a non-empty string (got ${shownValue(io.output)})`);
  if (io.outputKind !== 'logits' && io.outputKind !== 'probabilities') fail(path, `field "io.outputKind" must be "logits" or "probabilities" (got ${shownValue(io.outputKind)})`);
  if (m.task === 'text-classification') {
    if (m.text === undefined) fail(path, 'field "text" is required for text-classification');
    checkText(path, m.text);
    if (m.featuriser !== undefined) checkFeaturiser(path, m.featuriser);
  } else {
    if (m.tabular === undefined) fail(path, 'field "tabular" is required for tabular-classification');
    checkTabular(path, m.tabular);
  }
  if (m.lineage !== undefined && m.lineage !== null) {
    if (!isObject(m.lineage)) fail(path, `field "lineage" must be an object (got ${shownValue(m.lineage)})`);
    for (const k of ['parent', 'technique', 'dataset'] as const) {
      if (m.lineage[k] !== undefined && typeof m.lineage[k] !== 'string') fail(path, `field "lineage.${k}" must be a string (got ${shownValue(m.lineage[k])})`);
    }
  }
  if (m.earlyExit !== undefined) {
    const e = m.earlyExit;
    if (!isObject(e) || !Array.isArray(e.stages)) fail(path, 'field "earlyExit.stages" must list the stage files');
    e.stages.forEach((s: unknown, i: number) => checkStagePath(path, i, s));
    if (e.threshold !== null && !(typeof e.threshold === 'number' && e.threshold > 0 && e.threshold <= 1)) {
      fail(path, `field "earlyExit.threshold" must be a probability in (0, 1] or null (got ${JSON.stringify(e.threshold)})`);
    }
  }
  return m as unknown as ModelManifest;
}
