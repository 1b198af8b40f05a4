/**
 * The BERT WordPiece tokenizer verde's text models use. Normalisation, pre-tokenisation and
 * WordPiece itself run in @huggingface/tokenizers (the pure-JS tokenizer behind Transformers.js;
 * it works offline from a local tokenizer.json). What that library leaves to its callers lives
 * here: [CLS]/[SEP] around a truncated sequence (max_length counts the two specials, like
 * Transformers' `truncation=True`), dynamic padding per batch with [PAD], attention masks, and
 * int64 tensors ready for ONNX Runtime.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../util/errors.js';
import { bertTokenizerJson, type BertTokenizerJsonOptions } from './bert-tokenizer-json.js';

export interface EncodedBatch {
  /** Row-major [batchSize, seqLen] token ids, padded with [PAD]. */
  inputIds: BigInt64Array;
  /** Row-major [batchSize, seqLen]: 1 for real tokens (incl. [CLS]/[SEP]), 0 for padding. */
  attentionMask: BigInt64Array;
  batchSize: number;
  seqLen: number;
  /** Unpadded length of each row (with [CLS]/[SEP]). */
  lengths: number[];
}

export interface EncodeOptions {
  /** Longest sequence including [CLS] and [SEP]; longer texts are truncated. Default: the tokenizer's maxLength. */
  maxLength?: number;
}

export interface BatchOptions extends EncodeOptions {
  /** 'longest' (default): pad to the longest row of this batch; 'max_length': pad every row to maxLength. */
  padding?: 'longest' | 'max_length';
}

export interface TokenizerInfo {
  doLowerCase: boolean;
  /** Default max_length (tokenizer_config.json's model_max_length, else 512). */
  maxLength: number;
}

// English runs ~3.5 characters per word piece (SpamAssassin, IMDb). A text longer than this many
// characters per wanted token is cut at whitespace before encoding
// (and re-encoded longer if the cut yielded too few tokens): long e-mails then cost what they use.
const CHARS_PER_TOKEN_GUESS = 5;

/**
 * Word cache. The library runs its whole pipeline (clean-up, CJK spacing, accent stripping, lower-
 * casing, pre-tokenising, WordPiece) on every text, ~50 us for a 26-token message here, a fifth of
 * a served request's work in the inference worker. With a BERT normaliser and a pre-tokeniser that
 * splits at whitespace, every step is local to a whitespace-separated chunk, so a text's ids are
 * the concatenation of its chunks' ids, and words repeat (Zipf): each chunk is encoded once and
 * remembered. Split only at the four ASCII whitespace characters every BERT setup treats as
 * whitespace (a character the normaliser deletes, such as U+FEFF, must not become a boundary).
 */
const CHUNK_SEPARATOR = /[ \t\n\r]+/;
/** Chunks remembered before the cache starts over (about 10 MB of short words). */
const WORD_CACHE_SIZE = 50_000;
/**
 * Longer chunks (base64, minified JSON, URLs) are encoded but not remembered: they rarely repeat,
 * and remembering them would bound the cache by count but not by bytes.
 */
const MAX_CACHED_CHUNK = 64;
const CHUNK_LOCAL_PRE_TOKENIZERS = new Set(['BertPreTokenizer', 'WhitespaceSplit', 'Whitespace']);

/** True when encoding is chunk-local for this tokenizer.json (see CHUNK_SEPARATOR). */
function chunkLocal(json: Record<string, unknown>): boolean {
  const normalizer = json.normalizer as { type?: string } | null | undefined;
  const pre = json.pre_tokenizer as { type?: string } | null | undefined;
  const added = (json.added_tokens as Array<{ content?: string }> | undefined) ?? [];
  return (
    (normalizer == null || normalizer.type === 'BertNormalizer') &&
    pre != null && CHUNK_LOCAL_PRE_TOKENIZERS.has(pre.type ?? '') &&
    // Any whitespace at all: a normalised added token ("a\u00a0b" -> "a b") could match across a chunk boundary.
    added.every((t) => typeof t.content === 'string' && !/\s/.test(t.content))
  );
}

export class WordPieceTokenizer {
  readonly padId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly unkId: number;
  readonly vocabSize: number;
  readonly doLowerCase: boolean;
  readonly maxLength: number;
  private readonly tk: Tokenizer;
  /** Ids of each whitespace-separated chunk seen so far; null when encoding is not chunk-local. */
  private readonly chunkIds: Map<string, number[]> | null;

  private constructor(tokenizerJson: Record<string, unknown>, info: TokenizerInfo, where: string) {
    // The library trusts its JSON: a missing or mistyped section throws a TypeError or a bare Error,
    // at construction or at the first encode. Build it and encode a probe here, so a bad
    // tokenizer.json is one line naming the file when the model is opened, never a crash later.
    try {
      this.tk = new Tokenizer(tokenizerJson, { do_lower_case: info.doLowerCase, model_max_length: info.maxLength });
      this.chunkIds = chunkLocal(tokenizerJson) ? new Map() : null;
      this.tk.encode('Probe text, 123 é', { add_special_tokens: true });
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${where}: not a usable tokenizer (${String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200)})`);
    }
    const id = (tok: string): number => {
      const v = this.tk.token_to_id(tok);
      if (v === undefined) throw new UserError(`${where}: vocabulary has no ${tok} token (not a BERT WordPiece vocabulary?)`);
      return v;
    };
    this.padId = id('[PAD]');
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.unkId = id('[UNK]');
    this.vocabSize = this.tk.get_vocab(true).size;
    this.doLowerCase = info.doLowerCase;
    this.maxLength = info.maxLength;
  }

  /** A BERT tokenizer over a vocab.txt-style token list (id = index). */
  static fromVocab(vocab: string[], opts: BertTokenizerJsonOptions & { maxLength?: number } = {}, where = 'vocabulary'): WordPieceTokenizer {
    const doLowerCase = opts.doLowerCase ?? true;
    return new WordPieceTokenizer(bertTokenizerJson(vocab, opts), { doLowerCase, maxLength: opts.maxLength ?? 512 }, where);
  }

  /** A tokenizer from a Hugging Face tokenizer.json (its truncation/padding sections are ignored: see encodeBatch). */
  static fromTokenizerJson(json: Record<string, unknown>, info: TokenizerInfo, where = 'tokenizer.json'): WordPieceTokenizer {
    const model = json.model as { type?: string } | undefined;
    if (!model || model.type !== 'WordPiece') {
      throw new UserError(`${where}: field "model.type" is ${JSON.stringify(model?.type)}; verde supports WordPiece (BERT-family) tokenizers`);
    }
    return new WordPieceTokenizer(json, info, where);
  }

  /** Word pieces of `text`, without [CLS]/[SEP]. */
  tokenize(text: string): string[] {
    return this.tk.tokenize(text, { add_special_tokens: false });
  }

  /** Token ids with [CLS] ... [SEP], truncated to maxLength. */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const maxLength = opts.maxLength ?? this.maxLength;
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new UserError(`max_length must be an integer >= 2 (got ${maxLength})`);
    const body = this.bodyIds(text, maxLength - 2);
    return [this.clsId, ...body, this.sepId];
  }

  /** Encode and pad a batch: every row padded with [PAD] to the batch's longest row (or to maxLength). */
  encodeBatch(texts: string[], opts: BatchOptions = {}): EncodedBatch {
    const maxLength = opts.maxLength ?? this.maxLength;
    const rows = texts.map((t) => this.encode(t, { maxLength }));
    const lengths = rows.map((r) => r.length);
    const seqLen = opts.padding === 'max_length' ? maxLength : Math.max(2, ...lengths);
    const inputIds = new BigInt64Array(rows.length * seqLen).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(rows.length * seqLen);
    rows.forEach((row, b) => {
      for (let i = 0; i < row.length; i++) {
        inputIds[b * seqLen + i] = BigInt(row[i]!);
        attentionMask[b * seqLen + i] = 1n;
      }
    });
    return { inputIds, attentionMask, batchSize: rows.length, seqLen, lengths };
  }

  /** Turn ids back into text (for display and debugging). */
  decode(ids: number[]): string {
    return this.tk.decode(ids, { skip_special_tokens: true });
  }

  /** The vocabulary as a vocab.txt-style list (id = index). */
  vocab(): string[] {
    const out: string[] = new Array(this.vocabSize);
    for (const [tok, id] of this.tk.get_vocab(true)) out[id] = tok;
    return out;
  }

  tokenId(token: string): number | undefined {
    return this.tk.token_to_id(token);
  }

  private bodyIds(text: string, limit: number): number[] {
    if (limit <= 0) return [];
    let cut = limit * CHARS_PER_TOKEN_GUESS;
    for (;;) {
      if (text.length <= cut) return this.rawIds(text).slice(0, limit);
      // Cut at whitespace so no word is split: the prefix then tokenises exactly as the start of the whole.
      // Only where the normaliser keeps a boundary (it deletes U+FEFF, \v, \f: a cut there would split a word).
      const ws = text.slice(cut).search(CHUNK_SEPARATOR);
      if (ws < 0) return this.rawIds(text).slice(0, limit);
      const ids = this.rawIds(text.slice(0, cut + ws));
      if (ids.length >= limit) return ids.slice(0, limit);
      cut *= 4;
    }
  }

  private rawIds(text: string): number[] {
    const cache = this.chunkIds;
    if (!cache) return this.libraryIds(text);
    const out: number[] = [];
    for (const chunk of text.split(CHUNK_SEPARATOR)) {
      if (chunk === '') continue;
      let ids = cache.get(chunk);
      if (!ids) {
        ids = this.libraryIds(chunk);
        if (chunk.length <= MAX_CACHED_CHUNK) {
          if (cache.size >= WORD_CACHE_SIZE) cache.clear();
          cache.set(chunk, ids);
        }
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  private libraryIds(text: string): number[] {
    return this.tk.encode(text, { add_special_tokens: false }).ids;
  }
}
