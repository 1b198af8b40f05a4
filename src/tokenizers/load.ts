/**
 * Load the tokenizer of a model directory (Hugging Face layout or a verde model directory):
 * tokenizer.json if present (what fast tokenizers save), else vocab.txt; tokenizer_config.json
 * supplies do_lower_case and model_max_length. And the reverse: save one into a directory.
 */
import { readJsonObject } from '../util/json-file.js';
import { join } from 'node:path';
import { exists, writeJsonAtomic } from '../util/atomic.js';
import { fail } from '../util/errors.js';
import { readVocabTxt, writeVocabTxt, VOCAB_FILE } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece.js';

export const TOKENIZER_JSON_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
/** Transformers writes 1e30 for "no limit"; anything above this is treated as unset. */
const SANE_MAX_LENGTH = 1_000_000;

export interface TokenizerConfig {
  doLowerCase: boolean;
  maxLength: number;
}


/** tokenizer_config.json's settings (defaults: lower-case, 512), capped by `maxPositions` if given. */
export async function readTokenizerConfig(dir: string, maxPositions?: number): Promise<TokenizerConfig> {
  const path = join(dir, TOKENIZER_CONFIG_FILE);
  let doLowerCase = true;
  let maxLength = maxPositions ?? 512;
  if (await exists(path)) {
    const cfg = await readJsonObject(path);
    if (cfg.do_lower_case !== undefined) {
      if (typeof cfg.do_lower_case !== 'boolean') fail(path, 'field "do_lower_case" must be true or false');
      doLowerCase = cfg.do_lower_case;
    }
    const m = cfg.model_max_length;
    if (m !== undefined && m !== null) {
      if (typeof m !== 'number' || !(m >= 2)) fail(path, 'field "model_max_length" must be a number >= 2');
      if (m <= SANE_MAX_LENGTH) maxLength = Math.floor(m);
    }
  }
  if (maxPositions !== undefined) maxLength = Math.min(maxLength, maxPositions);
  return { doLowerCase, maxLength };
}

/**
 * The tokenizer stored in `dir`. `maxPositions` (config.json's max_position_embeddings) caps the
 * default max length so a sequence never outgrows the model's position table; `overrides` (e.g.
 * a verde manifest's text settings) win over tokenizer_config.json.
 */
export async function loadTokenizer(dir: string, maxPositions?: number, overrides: Partial<TokenizerConfig> = {}): Promise<WordPieceTokenizer> {
  const info = { ...(await readTokenizerConfig(dir, maxPositions)), ...overrides };
  const jsonPath = join(dir, TOKENIZER_JSON_FILE);
  if (await exists(jsonPath)) return WordPieceTokenizer.fromTokenizerJson(await readJsonObject(jsonPath), info, jsonPath);
  const vocabPath = join(dir, VOCAB_FILE);
  if (await exists(vocabPath)) {
    return WordPieceTokenizer.fromVocab(await readVocabTxt(vocabPath), { doLowerCase: info.doLowerCase, maxLength: info.maxLength }, vocabPath);
  }
  fail(dir, `no tokenizer: expected ${VOCAB_FILE} or ${TOKENIZER_JSON_FILE}`);
}

/** Write vocab.txt and tokenizer_config.json for `tokenizer` into `dir` (each file atomically). */
export async function saveTokenizer(dir: string, tokenizer: WordPieceTokenizer): Promise<void> {
  await writeVocabTxt(dir, tokenizer.vocab());
  await writeJsonAtomic(join(dir, TOKENIZER_CONFIG_FILE), {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: tokenizer.doLowerCase,
    model_max_length: tokenizer.maxLength,
    unk_token: '[UNK]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    mask_token: '[MASK]',
  });
}
