/** BERT WordPiece tokenisation: vocabularies, the tokenizer, and loading/saving it in model directories. */
export { WordPieceTokenizer, type EncodedBatch, type EncodeOptions, type BatchOptions, type TokenizerInfo } from './wordpiece.js';
export { bertBaseUncasedVocab, parseVocabTxt, readVocabTxt, writeVocabTxt, VOCAB_FILE } from './vocab.js';
export { loadTokenizer, saveTokenizer, readTokenizerConfig, TOKENIZER_JSON_FILE, TOKENIZER_CONFIG_FILE, type TokenizerConfig } from './load.js';
export { bertTokenizerJson, BERT_SPECIAL_TOKENS, type BertTokenizerJsonOptions } from './bert-tokenizer-json.js';

import { bertBaseUncasedVocab } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece.js';

/** The default offline tokenizer: bert-base-uncased (lower-case, accents stripped). */
export async function bertBaseUncasedTokenizer(maxLength = 512): Promise<WordPieceTokenizer> {
  return WordPieceTokenizer.fromVocab(await bertBaseUncasedVocab(), { doLowerCase: true, maxLength }, 'bert-base-uncased vocabulary');
}
export { HashedNgramFeaturiser, HASHED_NGRAM_DEFAULTS, fitIdf, type HashedNgramSpec, type TextEncoder } from './hashed-ngrams.js';
export { textEncoderFor } from './text-encoder.js';
