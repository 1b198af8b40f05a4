/**
 * Build the Hugging Face `tokenizer.json` description of a BERT WordPiece tokenizer from a plain
 * vocabulary — the same structure `BertTokenizerFast` saves (BertNormalizer, BertPreTokenizer,
 * WordPiece model, [CLS] A [SEP] template) — so one maintained implementation
 * (@huggingface/tokenizers) runs every BERT vocabulary, whether it came as vocab.txt or tokenizer.json.
 */
export const BERT_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export interface BertTokenizerJsonOptions {
  /** Lower-case the text (uncased models). Default true. */
  doLowerCase?: boolean;
  /** Strip accents (NFD + drop combining marks). Default: follow doLowerCase, as BERT does. */
  stripAccents?: boolean | null;
  /** Words longer than this (in characters) become [UNK]. Default 100, as BERT. */
  maxInputCharsPerWord?: number;
}

export function bertTokenizerJson(vocab: string[], opts: BertTokenizerJsonOptions = {}): Record<string, unknown> {
  const ids: Record<string, number> = Object.create(null);
  vocab.forEach((tok, i) => { ids[tok] = i; });
  const special = BERT_SPECIAL_TOKENS.filter((t) => t in ids);
  const cls = ids['[CLS]'];
  const sep = ids['[SEP]'];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((t) => ({
      id: ids[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: opts.stripAccents ?? null,
      lowercase: opts.doLowerCase ?? true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: opts.maxInputCharsPerWord ?? 100,
      vocab: ids,
    },
  };
}
