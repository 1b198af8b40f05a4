/**
 * Near-duplicate texts by MinHash and locality-sensitive hashing (Broder 1997; Leskovec et al.,
 * Mining of Massive Datasets ch. 3). Each text becomes a set of word shingles (k consecutive
 * lower-case words); `perms` independent hash functions each keep their minimum over the set, so two
 * signatures agree in a share of places that estimates the sets' Jaccard similarity. LSH cuts the
 * signature into `bands` bands of `perms / bands` rows: texts sharing a whole band are candidates
 * (probability 1 - (1 - J^r)^b). Candidates are then checked with their exact shingle Jaccard, so a
 * reported pair really is at or above the threshold; clusters are the connected pairs (union-find),
 * and one representative (the first text) is kept per cluster.
 */

export interface MinHashOptions {
  /** Jaccard similarity at or above which two texts are near duplicates (default 0.8). */
  threshold?: number;
  /** Words per shingle (default 3). */
  shingle?: number;
  /** Hash functions in a signature (default 128). */
  perms?: number;
  /** LSH bands; perms must be a multiple (default 16: candidates at J = 0.8 with probability 0.95). */
  bands?: number;
  /** Seed of the hash functions (default 1). */
  seed?: number;
}

export interface MinHashResult {
  /** For each text, the index of its cluster's representative (itself when it is kept). */
  representative: Int32Array;
  /** Indices of the texts kept (one per cluster), ascending. */
  kept: number[];
  /** Verified near-duplicate pairs (i < j, exact Jaccard >= threshold). */
  pairs: number;
  candidates: number;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Words of `text`, lower-cased. */
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** 32-bit FNV-1a of a string. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Distinct shingle hashes of a text (a text shorter than k words is one shingle of all its words). */
export function shingleHashes(text: string, k: number): Uint32Array {
  const w = words(text);
  const set = new Set<number>();
  if (w.length < k) set.add(fnv1a(w.join(' ')));
  else for (let i = 0; i + k <= w.length; i++) set.add(fnv1a(w.slice(i, i + k).join(' ')));
  return Uint32Array.from(set);
}

/** murmur3's 32-bit finaliser: a good mix of x ^ seed, used as the family of hash functions. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  const s = new Set(a);
  let inter = 0;
  for (const x of b) if (s.has(x)) inter++;
  const union = a.length + b.length - inter;
  return union === 0 ? 1 : inter / union;
}

export function checkMinHashOptions(o: MinHashOptions): Required<MinHashOptions> {
  const r = { threshold: o.threshold ?? 0.8, shingle: o.shingle ?? 3, perms: o.perms ?? 128, bands: o.bands ?? 16, seed: o.seed ?? 1 };
  if (!(r.threshold > 0 && r.threshold <= 1)) throw new RangeError(`threshold must be in (0, 1] (got ${r.threshold})`);
  if (!(Number.isInteger(r.shingle) && r.shingle >= 1 && r.shingle <= 10)) throw new RangeError(`shingle must be an integer 1..10 (got ${r.shingle})`);
  if (!(Number.isInteger(r.perms) && r.perms >= 8 && r.perms <= 1024)) throw new RangeError(`perms must be an integer 8..1024 (got ${r.perms})`);
  if (!(Number.isInteger(r.bands) && r.bands >= 1 && r.perms % r.bands === 0)) throw new RangeError(`bands must divide perms (got ${r.bands} for ${r.perms})`);
  return r;
}

/** Cluster `texts` into near-duplicate groups; see the module comment. */
export function minhashDedup(texts: ArrayLike<string>, opts: MinHashOptions = {}): MinHashResult {
  const { threshold, shingle, perms, bands, seed } = checkMinHashOptions(opts);
  const n = texts.length;
  const rows = perms / bands;
  const seeds = new Uint32Array(perms);
  for (let p = 0; p < perms; p++) seeds[p] = mix((seed * 0x9e3779b9 + p * 0x7f4a7c15) >>> 0);
  // Only the band hashes are kept (bands numbers per text, not perms): 1 million texts need 64 MB, not 512.
  const bandHash = new Uint32Array(n * bands);
  const sig = new Uint32Array(perms);
  for (let i = 0; i < n; i++) {
    const sh = shingleHashes(texts[i]!, shingle);
    for (let p = 0; p < perms; p++) {
      const s = seeds[p]!;
      let m = 0xffffffff;
      for (let j = 0; j < sh.length; j++) {
        const h = mix(sh[j]! ^ s);
        if (h < m) m = h;
      }
      sig[p] = m;
    }
    for (let b = 0; b < bands; b++) {
      let h = 0x9747b28c ^ b;
      for (let r = 0; r < rows; r++) h = mix(h ^ sig[b * rows + r]!);
      bandHash[i * bands + b] = h;
    }
  }
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  let candidates = 0;
  let pairs = 0;
  const checked = new Set<number>(); // pair keys i * n + j (exact below 2^53): a pair sharing several bands is verified once
  for (let b = 0; b < bands; b++) {
    const buckets = new Map<number, number>(); // band hash -> first text in the bucket
    const chain = new Int32Array(n).fill(-1); // next text in the same bucket
    for (let i = 0; i < n; i++) {
      const h = bandHash[i * bands + b]!;
      const head = buckets.get(h);
      if (head === undefined) buckets.set(h, i);
      else {
        chain[i] = chain[head]!;
        chain[head] = i;
      }
    }
    for (const head of buckets.values()) {
      if (chain[head] === -1) continue;
      const members: number[] = [];
      for (let x = head; x !== -1; x = chain[x]!) members.push(x);
      members.sort((x, y) => x - y);
      // Large buckets (boilerplate) are compared with their first member only: linear, not quadratic.
      const wide = members.length > 50;
      for (let a = 0; a < members.length; a++) {
        for (let c = a + 1; c < members.length; c++) {
          if (wide && a > 0) break;
          const i = members[a]!;
          const j = members[c]!;
          const key = i * n + j;
          if (checked.has(key)) continue;
          checked.add(key);
          candidates++;
          if (find(i) === find(j)) continue;
          // Shingles are recomputed for the few candidates rather than kept for every text (memory).
          if (jaccard(shingleHashes(texts[i]!, shingle), shingleHashes(texts[j]!, shingle)) >= threshold) {
            pairs++;
            const ri = find(i);
            const rj = find(j);
            if (ri < rj) parent[rj] = ri;
            else parent[ri] = rj;
          }
        }
      }
    }
  }
  const representative = new Int32Array(n);
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    representative[i] = find(i);
    if (representative[i] === i) kept.push(i);
  }
  return { representative, kept, pairs, candidates };
}
