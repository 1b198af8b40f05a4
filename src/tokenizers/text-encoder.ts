/**
 * The text encoder of a model directory: the hashed n-gram featuriser when verde.json's
 * `featuriser` names one (the linear text model), else the directory's WordPiece tokenizer.
 * predict, serve and anything else that feeds a text model from its directory go through here.
 */
import { HashedNgramFeaturiser, type HashedNgramSpec, type TextEncoder } from './hashed-ngrams.js';

export async function textEncoderFor(featuriser: HashedNgramSpec | undefined, maxLength: number, wordPiece: () => Promise<TextEncoder>): Promise<TextEncoder> {
  return featuriser ? new HashedNgramFeaturiser(featuriser, maxLength) : wordPiece();
}
