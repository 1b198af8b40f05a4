/**
 * Crash classes the fuzzer finds in code another branch is fixing right now (parsers-hardening:
 * src/engine/safetensors.ts, src/registry/, src/data/text/; server edge cases: src/serve/,
 * src/predict/). They are reported but do not fail the CI sample while those fixes are unmerged.
 * Each entry is deleted once its fix is merged (then the CI sample must pass without it).
 * Every entry names the target, the place, and the issue item that covers it.
 */
import type { Finding } from './campaign.js';

interface KnownClass {
  id: string;
  target: RegExp;
  /** Matched against "<error> @ <where>". */
  match: RegExp;
}

// Empty: the safetensors header (issue 12 item 5), manifest (item 6) and server (item 1) crash
// classes found by the campaign are fixed on main. A class added here must name its issue item and be
// removed with the fix.
const KNOWN: KnownClass[] = [];

export function knownCrash(f: Finding): string | undefined {
  const text = `${f.error} @ ${f.where}`;
  return KNOWN.find((k) => k.target.test(f.target) && k.match.test(text))?.id;
}
