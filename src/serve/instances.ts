/**
 * Turning a predict request's body into model inputs: check every field (errors name it), and
 * normalise each instance so that equal inputs share one cache key.
 */
import type { ModelManifest, TabularFeature } from '../registry/manifest.js';
import type { TextEncoder } from '../tokenizers/index.js';
import { clip, RequestError } from './request-error.js';

/** What the model receives: a normalised text (the worker tokenizes it) or a float32 feature vector. */
export type Instance = { kind: 'text'; text: string } | { kind: 'tabular'; features: Float32Array };

export interface ParsedInstance {
  input: Instance;
}

/**
 * The cache identity of a model input, made of exactly what the model receives and nothing else:
 * the normalised text, or the feature vector's float32 bytes (so NaN, -0 and every value keep their
 * bits; two inputs that differ anywhere the model can see have different identities). A kind tag
 * keeps a text and a vector apart.
 */
export function modelInputIdentity(input: Instance): string {
  if (input.kind === 'text') return `t:${input.text}`;
  const f = input.features;
  return `f:${Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64')}`;
}

export interface InstanceLimits {
  maxInstances: number;
  /** Text longer than the model's maxLength tokens: 'truncate' it or 'reject' the request (413). */
  longText: 'truncate' | 'reject';
}

/** A UTF-16 surrogate without its pair (JSON can carry one: "\ud800"). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Unicode NFC, lone surrogates replaced by U+FFFD, whitespace collapsed and trimmed, lower-cased
 * when the model's tokenizer lower-cases. The model receives this string and the cache key hashes
 * its UTF-8, which is one-to-one only for well-formed text (a lone surrogate and U+FFFD would
 * otherwise hash alike), hence the replacement.
 */
export function normaliseText(text: string, lowerCase: boolean): string {
  const t = text.normalize('NFC').replace(LONE_SURROGATE, '\ufffd').replace(/\s+/g, ' ').trim();
  return lowerCase ? t.toLowerCase() : t;
}

/**
 * Text nothing of which reaches the model: whitespace, control and format characters (NUL,
 * zero-width spaces and joiners, BOM), U+FFFD, which the BERT normaliser deletes; with lower-casing
 * (which strips accents) lone combining marks too.
 */
const NOTHING_TO_READ = /^[\s\p{Z}\p{Cc}\p{Cf}\uFFFD]*$/u;
const NOTHING_TO_READ_LOWER = /^[\s\p{Z}\p{Cc}\p{Cf}\p{Mn}\uFFFD]*$/u;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `instances` array of a predict body, checked for shape and count. */
export function instancesOf(body: unknown, limits: InstanceLimits): unknown[] {
  if (!isObject(body)) throw new RequestError(400, null, 'the body must be a JSON object like {"instances": [...]}');
  if (!('instances' in body)) throw new RequestError(400, 'instances', 'missing (expected an array of instances)');
  const list = body.instances;
  if (!Array.isArray(list)) throw new RequestError(400, 'instances', `must be an array (got ${typeOf(list)})`);
  if (list.length === 0) throw new RequestError(400, 'instances', 'must not be empty');
  if (list.length > limits.maxInstances) {
    throw new RequestError(413, 'instances', `${list.length} instances, more than the limit of ${limits.maxInstances} per request`);
  }
  return list;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** A text instance: `{"text": "..."}` (a bare string is accepted too). */
export function parseTextInstance(
  raw: unknown,
  i: number,
  manifest: ModelManifest,
  limits: InstanceLimits,
  tokenizer: TextEncoder | null,
): ParsedInstance {
  const field = `instances[${i}]`;
  let text: unknown = raw;
  if (isObject(raw)) {
    if (!('text' in raw)) throw new RequestError(400, `${field}.text`, 'missing (expected {"text": "..."})');
    const extra = Object.keys(raw).filter((k) => k !== 'text');
    if (extra.length) throw new RequestError(400, `${field}.${clip(extra[0]!)}`, 'unknown field (a text instance has only "text")');
    text = raw.text;
  } else if (typeof raw !== 'string') {
    throw new RequestError(400, field, `must be an object {"text": "..."} (got ${typeOf(raw)})`);
  }
  const f = isObject(raw) ? `${field}.text` : field;
  if (typeof text !== 'string') throw new RequestError(400, f, `must be a string (got ${typeOf(text)})`);
  const lower = manifest.text?.doLowerCase ?? true;
  const normalised = normaliseText(text, lower);
  if (normalised === '') throw new RequestError(400, f, 'must not be empty');
  if ((lower ? NOTHING_TO_READ_LOWER : NOTHING_TO_READ).test(normalised)) {
    throw new RequestError(400, f, 'must not be empty (after normalisation it holds only control, format or zero-width characters)');
  }
  if (limits.longText === 'reject' && tokenizer) {
    const maxLength = manifest.text?.maxLength ?? tokenizer.maxLength;
    // Encode one token past the limit: if that many come back, the text would have been cut.
    const n = tokenizer.encode(normalised, { maxLength: maxLength + 1 }).length;
    if (n > maxLength) throw new RequestError(413, f, `longer than the model's ${maxLength} tokens (the server runs with --reject-long)`);
  }
  return { input: { kind: 'text', text: normalised } };
}

/** Largest finite float32 (the model's inputs are float32: anything above becomes +-Infinity). */
const FLOAT32_MAX = 3.4028234663852886e38;

function featureValue(v: unknown, feat: TabularFeature, field: string): number {
  if (v === null) return NaN; // an explicit missing value: the model was trained to handle it
  if (feat.type === 'numeric') {
    if (typeof v !== 'number') throw new RequestError(400, field, `must be a finite number or null (got ${typeOf(v)})`);
    // Finite as a double is not enough: 1e39 becomes Infinity in float32, which the model would
    // receive (and a missing value is not the same thing).
    if (!Number.isFinite(Math.fround(v))) throw new RequestError(400, field, `must be a number within float32's range (|x| <= ${FLOAT32_MAX.toPrecision(5)}) or null (got ${v})`);
    return v;
  }
  if (typeof v !== 'string') throw new RequestError(400, field, `must be one of the categories as a string, or null (got ${typeOf(v)})`);
  const idx = feat.categories?.indexOf(v) ?? -1;
  return idx >= 0 ? idx : NaN; // an unseen category is treated like a missing value (docs/model-directory.md)
}

/** A tabular instance: one object with every feature of the manifest (null for a missing value). */
export function parseTabularInstance(raw: unknown, i: number, manifest: ModelManifest): ParsedInstance {
  const field = `instances[${i}]`;
  if (!isObject(raw)) throw new RequestError(400, field, `must be an object of features (got ${typeOf(raw)})`);
  const feats = manifest.tabular!.features;
  const names = new Set(feats.map((f) => f.name));
  const extra = Object.keys(raw).find((k) => !names.has(k));
  if (extra !== undefined) throw new RequestError(400, `${field}.${clip(extra)}`, `unknown feature (the model takes: ${feats.map((f) => f.name).join(', ')})`);
  const values = new Float32Array(feats.length);
  feats.forEach((feat, j) => {
    if (!(feat.name in raw)) throw new RequestError(400, `${field}.${feat.name}`, 'missing (use null for a missing value)');
    values[j] = featureValue(raw[feat.name], feat, `${field}.${feat.name}`);
  });
  return { input: { kind: 'tabular', features: values } };
}
