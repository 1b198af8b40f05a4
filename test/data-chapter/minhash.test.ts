import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minhashDedup, shingleHashes, jaccard } from '../../src/data/minhash/index.js';
import { Prng } from '../../src/util/random.js';

/**
 * Planted near duplicates: 400 random texts of 40-80 words, and for 200 of them one variant made by
 * word edits (1 to 6 replaced words: some pairs land above Jaccard 0.8, some below), by reordering
 * (the halves swapped; a sentence moved), or both. The truth is each pair's exact 3-word-shingle
 * Jaccard; recall and precision are over pairs of texts.
 */
function corpus(seed: number) {
  const rng = new Prng(seed);
  const vocab = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}`);
  const word = () => vocab[Math.floor(rng.next() * vocab.length)]!;
  const texts: string[] = [];
  const variantOf = new Map<number, number>();
  const bases: string[][] = [];
  for (let i = 0; i < 400; i++) {
    const n = 40 + Math.floor(rng.next() * 41);
    bases.push(Array.from({ length: n }, word));
  }
  for (const b of bases) texts.push(b.join(' '));
  for (let i = 0; i < 200; i++) {
    const w = [...bases[i]!];
    const kind = i % 4;
    if (kind === 0 || kind === 3) {
      const edits = 1 + (i % 6);
      for (let e = 0; e < edits; e++) w[Math.floor(rng.next() * w.length)] = word();
    }
    let v = w;
    if (kind === 1) v = [...w.slice(Math.floor(w.length / 2)), ...w.slice(0, Math.floor(w.length / 2))];
    if (kind === 2 || kind === 3) {
      const at = 5 + Math.floor(rng.next() * 10);
      const moved = w.splice(at, 8);
      v = [...w, ...moved];
    }
    variantOf.set(texts.length, i);
    // Case and punctuation do not matter to word shingles.
    texts.push(i % 2 ? v.join(' ').toUpperCase() : v.join(', ') + '.');
  }
  return { texts, variantOf };
}

test('minhash: planted near duplicates found with recall >= 0.9 at Jaccard >= 0.8 and precision >= 0.95', () => {
  const { texts } = corpus(11);
  const sh = texts.map((t) => shingleHashes(t, 3));
  const r = minhashDedup(texts, { threshold: 0.8 });
  let truePairs = 0;
  let found = 0;
  let predicted = 0;
  let correct = 0;
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const similar = jaccard(sh[i]!, sh[j]!) >= 0.8;
      const together = r.representative[i] === r.representative[j];
      if (similar) truePairs++;
      if (similar && together) found++;
      if (together) predicted++;
      if (together && similar) correct++;
    }
  }
  assert.ok(truePairs >= 60, `only ${truePairs} planted pairs at J >= 0.8`);
  assert.ok(truePairs <= 190, `${truePairs}: too few planted pairs below the threshold to test precision`);
  const recall = found / truePairs;
  process.stdout.write(`# planted pairs at J >= 0.8: ${truePairs}, recall ${found}/${truePairs}, precision ${correct}/${predicted}\n`);
  const precision = predicted ? correct / predicted : 0;
  assert.ok(recall >= 0.9, `recall ${recall} (${found}/${truePairs})`);
  assert.ok(precision >= 0.95, `precision ${precision} (${correct}/${predicted})`);
  assert.equal(r.kept.length, texts.length - found, 'each found pair removes one text');
});

test('minhash: identical texts collapse to the first, unrelated ones stay, options are checked', () => {
  const texts = ['the cat sat on the mat today', 'a completely different sentence about dogs', 'The cat sat on the mat, today!', 'the cat sat on the mat today'];
  const r = minhashDedup(texts);
  assert.deepEqual(r.kept, [0, 1]);
  assert.deepEqual([...r.representative], [0, 1, 0, 0]);
  assert.throws(() => minhashDedup(texts, { perms: 100, bands: 16 }), /bands must divide perms/);
  assert.throws(() => minhashDedup(texts, { threshold: 0 }), /threshold/);
});
