/**
 * Crash classes the fuzzer finds in code another branch is fixing right now (parsers-hardening:
 * src/engine/safetensors.ts, src/registry/, src/data/text/; server edge cases: src/serve/,
 * src/predict/). They are reported but do not fail the CI sample while those fixes are unmerged.
 * THE LEAD DELETES EACH ENTRY ONCE ITS FIX IS MERGED (then the CI sample must pass without it).
 * Every entry names the target, the place, and the issue item that covers it.
 */
import type { Finding } from './campaign.js';

interface KnownClass {
  id: string;
  target: RegExp;
  /** Matched against "<error> @ <where>". */
  match: RegExp;
}

const KNOWN: KnownClass[] = [
  // issue 12 item 5 (parsers-hardening): a header entry that is null or lacks shape/data_offsets
  // throws a TypeError in parseSafetensors instead of a one-line error naming the tensor.
  { id: 'safetensors-header-typeerror (item 5)', target: /^safetensors$/, match: /^TypeError: .* @ src\/engine\/safetensors\.js:\d+$/ },
  // issue 12 item 6 (parsers-hardening): verde.json not validated against the model (e.g.
  // tabular.features not a list) reaches the predictor as a TypeError.
  { id: 'manifest-unvalidated-typeerror (item 6)', target: /^verde\.json/, match: /^TypeError: .* @ src\/(predict|registry|serve)\/[\w-]+\.js:\d+$/ },
];

export function knownCrash(f: Finding): string | undefined {
  const text = `${f.error} @ ${f.where}`;
  return KNOWN.find((k) => k.target.test(f.target) && k.match.test(text))?.id;
}
