/**
 * Seeded mutations of valid seed inputs. Input i of a campaign is a pure function of (campaign
 * seed, target, i), so any crash is replayed by its index alone. Byte-level mutations (flips,
 * truncation, splices, inserted interesting bytes) work on any format; JSON seeds also get
 * structure-aware ones (a value replaced by a wrong type, a huge or non-finite-looking number,
 * deep nesting, unicode edge cases, keys dropped or duplicated); text seeds (CSV/TSV/JSONL, vocab)
 * get line- and field-level ones.
 */
import { mulberry32 } from '../../src/util/random.js';

export type Rand = () => number;
export type SeedKind = 'binary' | 'json' | 'text';

export function inputRng(campaignSeed: number, target: string, index: number): Rand {
  let h = 2166136261 ^ campaignSeed;
  for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return mulberry32(h >>> 0);
}

const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

/** Strings that break naive code: control and zero-width characters, lone surrogates, BOMs, RTL, huge code points. */
export const UNICODE_EDGES = ['\u0000', '\uFEFF', '\u200B', '\u200D', '\u202E', '\uD800', '\uDFFF', '\uFFFD', '\uFFFF', '𝔘𝔫𝔦', '👩‍👩‍👧', 'e\u0301', 'İ', 'ß', '\r\n', '\u2028', '"', "'", '\\', ',', '\t', '\n', ''];
const HUGE_NUMBERS = ['1e309', '-1e309', '1e39', '-1e39', '9007199254740993', '-0', '1e-400', '18446744073709551616', '123456789012345678901234567890', 'NaN', 'Infinity', '0x10', '1_000'];
const HUGE_VALUES: unknown[] = [1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 2 ** 64, 4294967296, -1, 0.5, 1e-320, Number.MAX_SAFE_INTEGER];
const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf8, 0x0a, 0x0d, 0x22, 0x2c, 0x09, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d];

function wrongTypeValue(r: Rand): unknown {
  switch (int(r, 12)) {
    case 0: return null;
    case 1: return pick(r, HUGE_VALUES);
    case 2: return pick(r, UNICODE_EDGES).repeat(1 + int(r, 4));
    case 3: return [];
    case 4: return {};
    case 5: return true;
    case 6: return 'x'.repeat(1 + int(r, 70_000));
    case 7: return Array.from({ length: 1 + int(r, 5) }, () => pick(r, HUGE_VALUES));
    case 8: return { __proto__: { polluted: 1 }, constructor: 'x' };
    case 9: return ['a', 1, null, { b: [] }];
    case 10: return '';
    default: return -int(r, 1000);
  }
}

function deepNest(r: Rand): unknown {
  const depth = 10 + int(r, 2_000); // deeper nesting is added as text in serialiseJson
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = r() < 0.5 ? [v] : { a: v };
  return v;
}

/** Replace, drop or duplicate one node of a JSON tree (in place), walking from the root at random. */
function mutateTree(root: unknown, r: Rand): unknown {
  if (root === null || typeof root !== 'object' || r() < 0.08) return r() < 0.15 ? deepNest(r) : wrongTypeValue(r);
  let node = root as Record<string, unknown>;
  for (;;) {
    const keys = Object.keys(node);
    if (!keys.length) {
      node[pick(r, ['x', '__proto__', 'shape', 'dtype', 'labels', ''])] = wrongTypeValue(r);
      return root;
    }
    const k = pick(r, keys);
    const child = node[k];
    if (child !== null && typeof child === 'object' && r() < 0.6) {
      node = child as Record<string, unknown>;
      continue;
    }
    const op = int(r, 6);
    if (op === 0) delete node[k];
    else if (op === 1) node[k] = deepNest(r);
    else if (op === 2 && Array.isArray(node)) {
      const arr = node as unknown[];
      arr.push(...Array.from({ length: 1 + int(r, 3) }, () => structuredClone(arr[int(r, arr.length)])));
    }
    else if (op === 3 && typeof child === 'number') node[k] = pick(r, HUGE_VALUES);
    else if (op === 4 && typeof child === 'string') node[k] = child + pick(r, UNICODE_EDGES);
    else node[k] = wrongTypeValue(r);
    return root;
  }
}

/** Serialise, sometimes with raw token surgery JSON.stringify cannot express (huge literals, duplicate keys). */
function serialiseJson(v: unknown, r: Rand): string {
  let s = JSON.stringify(v) ?? 'null';
  const roll = r();
  if (roll < 0.1) s = s.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/i, pick(r, HUGE_NUMBERS));
  else if (roll < 0.15) s = s.replace(/\{"([^"]*)":/, (_m, k) => `{"${k}":0,"${k}":`);
  else if (roll < 0.2) {
    const d = 1000 + int(r, 200_000); // nesting far past any recursive parser's stack
    s = r() < 0.5 ? `${'['.repeat(d)}${s}${']'.repeat(d)}` : s.replace(/:/, `:${'{"a":'.repeat(d)}1${'}'.repeat(d)},"b":`);
  }
  return s;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function byteMutation(b: Uint8Array, r: Rand, others: readonly Uint8Array[]): Uint8Array {
  const n = b.length;
  switch (int(r, 7)) {
    case 0: { // flip bits
      const out = b.slice();
      for (let k = 1 + int(r, 8); k > 0 && n; k--) out[int(r, n)] ^= 1 << int(r, 8);
      return out;
    }
    case 1: // truncate
      return b.slice(0, int(r, n + 1));
    case 2: { // splice with another seed (or itself)
      const o = others.length ? pick(r, others) : b;
      const cut = int(r, n + 1);
      return concat(b.subarray(0, cut), o.subarray(int(r, o.length + 1)));
    }
    case 3: { // interesting bytes
      const out = b.slice();
      for (let k = 1 + int(r, 6); k > 0 && n; k--) out[int(r, n)] = pick(r, INTERESTING_BYTES);
      return out;
    }
    case 4: { // insert unicode edge cases or a huge number as text
      const at = int(r, n + 1);
      return concat(b.subarray(0, at), enc.encode(r() < 0.5 ? pick(r, UNICODE_EDGES) : pick(r, HUGE_NUMBERS)), b.subarray(at));
    }
    case 5: { // duplicate a chunk (repetition, amplified lengths)
      const a = int(r, n + 1);
      const len = Math.min(n - a, 1 + int(r, 64));
      const chunk = b.subarray(a, a + len);
      const reps = 1 + int(r, 200);
      const parts = [b.subarray(0, a), ...Array.from({ length: reps }, () => chunk), b.subarray(a)];
      return concat(...parts);
    }
    default: { // overwrite a little-endian integer-sized window with extremes (length prefixes, offsets)
      const out = b.slice();
      if (n >= 8) new DataView(out.buffer).setBigUint64(int(r, n - 7) & ~0, pick(r, [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(n), BigInt(n + 1), 2n ** 32n]), true);
      return out;
    }
  }
}

function textMutation(s: string, r: Rand): string {
  const lines = s.split('\n');
  const i = int(r, lines.length);
  switch (int(r, 8)) {
    case 0: lines.splice(i, 0, lines[i] ?? ''); break; // duplicate a line
    case 1: lines.splice(i, 1); break; // drop a line (maybe the header)
    case 2: lines[i] = (lines[i] ?? '') + pick(r, [',', '\t', '"', ',,,,', '"unterminated', '\r', '\\', ' ' + pick(r, HUGE_NUMBERS)]); break;
    case 3: lines[i] = pick(r, UNICODE_EDGES).repeat(1 + int(r, 50)) + (lines[i] ?? ''); break;
    case 4: lines.splice(i, 0, 'x'.repeat(int(r, 300_000))); break; // a huge field
    case 5: { // many rows (bounded: the input, not the fuzzer, should be what strains memory)
      const n = int(r, 3000);
      for (let k = 0; k < n && s.length * (k + 1) < 4e6; k++) lines.push(lines[int(r, lines.length)] ?? '');
      break;
    }
    case 6: lines[i] = (lines[i] ?? '').split(/([,\t])/).reverse().join(''); break;
    default: return '';
  }
  return lines.join(pick(r, ['\n', '\n', '\r\n', '\r']));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One mutated input from the seeds: 1-3 stacked mutations; structure-aware ones for JSON and text seeds. */
export function mutate(seeds: readonly Uint8Array[], kind: SeedKind, r: Rand): Uint8Array {
  let b = pick(r, seeds);
  const rounds = 1 + int(r, 3);
  for (let k = 0; k < rounds; k++) {
    const structured = r() < 0.6;
    if (structured && kind === 'json') {
      try {
        b = enc.encode(serialiseJson(mutateTree(JSON.parse(dec.decode(b)), r), r));
        continue;
      } catch {
        /* not JSON any more (an earlier byte mutation): fall through to bytes */
      }
    }
    if (structured && kind === 'text') {
      b = enc.encode(textMutation(dec.decode(b), r));
      continue;
    }
    b = byteMutation(b, r, seeds);
  }
  return b;
}

/** Input `index` of a target: its own structure-aware mutation about a third of the time, else the generic ones. */
export function inputFor(target: { name: string; kind: SeedKind; mutate?(seed: Uint8Array, r: Rand): Uint8Array | null }, seeds: readonly Uint8Array[], campaignSeed: number, index: number): Uint8Array {
  const r = inputRng(campaignSeed, target.name, index);
  return (r() < 0.35 && target.mutate?.(seeds[int(r, seeds.length)]!, r)) || mutate(seeds, target.kind, r);
}
