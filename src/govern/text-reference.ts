/**
 * The drift reference of a registered text model: the token lengths of a seeded uniform sample of
 * (at most 1,000) training texts, counted exactly as `verde serve` counts the texts it answers
 * (its usage files' tokenLengths): the text normalised as serve normalises a request, then encoded
 * by the model directory's own encoder (WordPiece, or the linear model's hashed n-grams) capped at
 * the model's max length. Computed per model directory, since variants may encode differently.
 * Also a probe set of at most 200 training texts (clipped to 2,000 characters): the audit's
 * duplicate check runs two text models on it. It is training data kept in the registry, as the
 * tabular reference's feature rows are; a registry is no more public than the data it describes.
 */
import { readManifest } from '../registry/manifest.js';
import type { DataFingerprint } from '../registry/db/types.js';
import { normaliseText } from '../serve/instances.js';
import { loadTokenizer, textEncoderFor } from '../tokenizers/index.js';
import { REFERENCE_ROWS, sampleRows } from './fingerprint.js';

/** Training texts kept as the duplicate check's probe set (the first of the drift sample), each clipped. */
export const PROBE_TEXTS = 200;
export const PROBE_TEXT_CHARS = 2000;

export interface TextTraining { texts: string[]; labels: number[]; labelNames: string[] }

/** Token lengths of `texts` as serve records them for the model in `dir`. */
export async function servedTokenLengths(dir: string, texts: string[]): Promise<number[]> {
  const m = await readManifest(dir);
  const enc = await textEncoderFor(m.featuriser, m.text!.maxLength, () => loadTokenizer(dir));
  const maxLength = m.text?.maxLength ?? enc.maxLength;
  const lower = m.text?.doLowerCase ?? true;
  return texts.map((t) => enc.encode(normaliseText(t, lower), { maxLength }).length);
}

/** Training rows and label balance of a text training split (the same for every variant of a run). */
export function textLabelBalance(t: TextTraining): Record<string, number> {
  const balance: Record<string, number> = {};
  for (const l of t.labels) {
    const name = t.labelNames[l] ?? String(l);
    balance[name] = (balance[name] ?? 0) + 1;
  }
  return balance;
}

/** `base` (hash, source, schema) with the training split's rows, label balance and this model's token-length reference. */
export async function textFingerprint(base: DataFingerprint, dir: string, t: TextTraining): Promise<DataFingerprint> {
  const sample = sampleRows(t.texts.length, REFERENCE_ROWS).map((i) => t.texts[i]!);
  const texts = sample.slice(0, PROBE_TEXTS).map((x) => x.slice(0, PROBE_TEXT_CHARS));
  return { ...base, rows: t.texts.length, labelBalance: textLabelBalance(t), reference: { tokenLengths: await servedTokenLengths(dir, sample), texts } };
}
