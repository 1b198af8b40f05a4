/**
 * `verde text`'s checkpoint: the directory `<out>.checkpoint` beside --out (never inside it: --out
 * is replaced only when a run succeeds). It is keyed by the run's flags and by a hash of the
 * tokenised data and the starting weights, so `--resume` continues only the same run.
 */
import { resolve } from 'node:path';
import type { DistilBertConfig } from '../../models/distilbert/config.js';
import type { EncodedSet } from '../../models/distilbert/fit.js';
import type { Params } from '../../models/distilbert/params.js';
import { RunCheckpoint, type RunFlags, fingerprint } from '../../train/checkpoint.js';
import type { TextCaseOptions } from './options.js';

/** Options that do not change what the run computes, so a resume may change them. */
const NOT_IN_FINGERPRINT = new Set(['out', 'print', 'resume', 'checkpointEvery']);

/** How an option is spelled on the command line (for "made with --epochs 3" messages). */
const FLAG_NAMES: Record<string, string> = { pruneAmount: '--prune', reduceRange: '--int8-bits' };

function flagName(key: string): string {
  return FLAG_NAMES[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function checkpointDir(out: string): string {
  return `${out}.checkpoint`;
}

export async function openTextCheckpoint(o: TextCaseOptions, out: string, every: number): Promise<RunCheckpoint> {
  const flags: RunFlags = {};
  for (const [k, v] of Object.entries(o)) {
    if (NOT_IN_FINGERPRINT.has(k) || v === undefined) continue;
    flags[k] = k === 'data' ? resolve(String(v)) : (v as string | number | boolean);
  }
  return RunCheckpoint.open(checkpointDir(out), { resume: o.resume ?? false, flags, flagName, every });
}

/** Hash of what training starts from: labels, model config and weights, tokenised train and validation sets. */
export function trainingFingerprint(labels: string[], prep: { config: DistilBertConfig; params: Params }, sets: EncodedSet[]): string {
  function* parts(): Generator<ArrayBufferView | string> {
    yield JSON.stringify(labels);
    yield JSON.stringify(prep.config);
    for (const name of [...prep.params.keys()].sort()) {
      yield name;
      yield prep.params.get(name)!.data;
    }
    for (const s of sets) {
      yield Int32Array.from(s.labels);
      for (const row of s.ids) yield Int32Array.from(row);
    }
  }
  return fingerprint(parts());
}
