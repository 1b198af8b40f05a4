/**
 * The featuriser of verde's linear text classifier (§2.1: a classical model where it is enough):
 * word n-grams and character n-grams (within word boundaries, padded by spaces), each hashed with
 * 32-bit FNV-1a into [1, hashDim). Id 0 is padding: its IDF is 0, so it weighs nothing even
 * where a runner feeds a mask of ones. A text becomes the list of its n-gram ids in order (repeats
 * kept: a repeated id is its term frequency), at most `maxLength` of them, so the linear model
 * takes the same `input_ids` / `attention_mask` inputs as a transformer and every text path
 * (predict, serve, the variant evaluation) feeds it without knowing what it is.
 * The featuriser has no learned state: the IDF vector lives in the ONNX graph as an initializer.
 */
import { UserError } from '../util/errors.js';
import type { BatchOptions, EncodedBatch, EncodeOptions } from './wordpiece.js';

/** What verde.json's `featuriser` records; the same text always gives the same ids. */
export interface HashedNgramSpec {
  kind: 'hashed-ngrams';
  /** Inclusive [min, max] word n-gram lengths. */
  wordNgrams: [number, number];
  /** Inclusive [min, max] character n-gram lengths ([0, 0]: none). */
  charNgrams: [number, number];
  hashDim: number;
  lowercase: boolean;
  /** Where the IDF weights live: an initializer of model.onnx. */
  idf: { file: string; initializer: string };
}

export const HASHED_NGRAM_DEFAULTS = { wordNgrams: [1, 2] as [number, number], charNgrams: [3, 5] as [number, number], hashDim: 1 << 18, lowercase: true };

/** What every text encoder gives the text paths (the WordPiece tokenizer and this featuriser). */
export interface TextEncoder {
  readonly padId: number;
  readonly vocabSize: number;
  readonly doLowerCase: boolean;
  readonly maxLength: number;
  encode(text: string, opts?: EncodeOptions): number[];
  encodeBatch(texts: string[], opts?: BatchOptions): EncodedBatch;
}

const WORD = /[\p{L}\p{N}]+/gu;

function fnv1a(prefix: number, s: string): number {
  let h = (0x811c9dc5 ^ prefix) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class HashedNgramFeaturiser implements TextEncoder {
  readonly padId = 0;
  readonly vocabSize: number;
  readonly doLowerCase: boolean;

  constructor(readonly spec: HashedNgramSpec, readonly maxLength: number) {
    const ok = (r: unknown, min: number) => Array.isArray(r) && r.length === 2 && r.every((v) => Number.isInteger(v) && v >= min) && r[0] <= r[1];
    if (!ok(spec.wordNgrams, 1)) throw new UserError(`featuriser.wordNgrams must be [min, max] with 1 <= min <= max (got ${JSON.stringify(spec.wordNgrams)})`);
    if (!ok(spec.charNgrams, 0) || (spec.charNgrams[0] === 0 && spec.charNgrams[1] !== 0)) throw new UserError(`featuriser.charNgrams must be [min, max] with 1 <= min <= max, or [0, 0] (got ${JSON.stringify(spec.charNgrams)})`);
    if (!Number.isInteger(spec.hashDim) || spec.hashDim < 2 || spec.hashDim > 1 << 24) throw new UserError(`featuriser.hashDim must be a whole number from 2 to ${1 << 24} (got ${spec.hashDim})`);
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new UserError(`max_length must be an integer >= 1 (got ${maxLength})`);
    this.vocabSize = spec.hashDim;
    this.doLowerCase = spec.lowercase;
  }

  private id(prefix: number, gram: string): number {
    return 1 + (fnv1a(prefix, gram) % (this.spec.hashDim - 1));
  }

  /** N-gram ids of `text` (word n-grams first, then character n-grams), at most maxLength; [0] for a text without any. */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const limit = opts.maxLength ?? this.maxLength;
    const words = (this.spec.lowercase ? text.toLowerCase() : text).match(WORD) ?? [];
    const out: number[] = [];
    const [wMin, wMax] = this.spec.wordNgrams;
    for (let i = 0; i < words.length && out.length < limit; i++) {
      for (let n = wMin; n <= wMax && i + n <= words.length && out.length < limit; n++) out.push(this.id(n, words.slice(i, i + n).join(' ')));
    }
    const [cMin, cMax] = this.spec.charNgrams;
    if (cMin > 0) {
      for (let w = 0; w < words.length && out.length < limit; w++) {
        const s = ` ${words[w]} `;
        for (let n = cMin; n <= cMax && out.length < limit; n++) {
          for (let i = 0; i + n <= s.length && out.length < limit; i++) out.push(this.id(100 + n, s.slice(i, i + n)));
        }
      }
    }
    return out.length ? out : [this.padId];
  }

  encodeBatch(texts: string[], opts: BatchOptions = {}): EncodedBatch {
    const maxLength = opts.maxLength ?? this.maxLength;
    const rows = texts.map((t) => this.encode(t, { maxLength }));
    const lengths = rows.map((r) => r.length);
    const seqLen = opts.padding === 'max_length' ? maxLength : Math.max(1, ...lengths);
    const inputIds = new BigInt64Array(rows.length * seqLen);
    const attentionMask = new BigInt64Array(rows.length * seqLen);
    rows.forEach((row, b) => row.forEach((v, i) => { inputIds[b * seqLen + i] = BigInt(v); attentionMask[b * seqLen + i] = 1n; }));
    return { inputIds, attentionMask, batchSize: rows.length, seqLen, lengths };
  }
}

/**
 * Smoothed IDF over encoded documents (sklearn's smooth_idf: ln((1 + N) / (1 + df)) + 1);
 * the padding id gets 0.
 */
export function fitIdf(docs: number[][], hashDim: number): Float32Array {
  const df = new Uint32Array(hashDim);
  const seen = new Set<number>();
  for (const d of docs) {
    seen.clear();
    for (const id of d) if (!seen.has(id)) { seen.add(id); df[id]++; }
  }
  const idf = new Float32Array(hashDim);
  const n = docs.length;
  for (let i = 1; i < hashDim; i++) idf[i] = Math.log((1 + n) / (1 + df[i])) + 1;
  return idf;
}
