/**
 * `verde fraud` options: defaults, and checks that turn bad values into one-line errors naming the
 * flag. The default size (200,000 generated transactions) runs the whole case in a few minutes on
 * two cores.
 */
import { cpus } from 'node:os';
import { UserError } from '../../util/errors.js';
import type { FraudCaseOptionsResolved } from './context.js';

export const TECHNIQUES = [
  'minimisation',
  'gbdt-vs-mlp',
  'hpo',
  'active-learning',
  'pruning',
  'quantisation',
  'distillation',
  'transfer',
  'federated',
  'batching',
] as const;
export type TechniqueName = (typeof TECHNIQUES)[number];

export const DEFAULT_ROWS = 200_000;

export interface FraudCaseOptions {
  /** Generated transactions (default 200,000); ignored with `dataFile`. */
  rows?: number;
  /** A CSV/Parquet file with a label column instead of generated transactions. */
  dataFile?: string;
  labelCol?: string;
  positive?: string;
  /** Results directory (written atomically). */
  outDir: string;
  seed?: number;
  /** ISO 3166-1 alpha-3 country for carbon intensity. */
  country?: string;
  /** Federated clients, 2..8 (default 3). */
  clients?: number;
  /** Technique names to leave out. */
  skip?: string[];
  /** Threads for GBDT histograms and ONNX Runtime (default: all cores, at most 4). */
  threads?: number;
  /** Where one-line notices go (default stderr). */
  log?: (line: string) => void;
}

function int(flag: string, v: number | undefined, def: number, lo: number, hi: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new UserError(`${flag}: must be an integer from ${lo} to ${hi} (got ${v})`);
  return v;
}

export function resolveFraudOptions(o: FraudCaseOptions): FraudCaseOptionsResolved {
  if (!o.outDir) throw new UserError('--out: a results directory is required');
  if (o.dataFile === undefined && (o.labelCol !== undefined || o.positive !== undefined)) {
    throw new UserError(`${o.labelCol !== undefined ? '--label-col' : '--positive'}: only applies with --data FILE`);
  }
  if (o.dataFile !== undefined && !o.labelCol) throw new UserError('--label-col: required with --data (the name of the column holding the class)');
  const skip = new Set<string>();
  for (const s of o.skip ?? []) {
    for (const name of s.split(',').map((x) => x.trim()).filter(Boolean)) {
      if (!(TECHNIQUES as readonly string[]).includes(name)) throw new UserError(`--skip: unknown technique "${name}" (known: ${TECHNIQUES.join(', ')})`);
      skip.add(name);
    }
  }
  return {
    rows: int('--rows', o.rows, DEFAULT_ROWS, 10_000, 10_000_000),
    seed: int('--seed', o.seed, 42, 0, 2 ** 31 - 1),
    country: o.country,
    clients: int('--clients', o.clients, 3, 2, 8),
    skip,
    threads: int('--threads', o.threads, Math.max(1, Math.min(4, cpus().length)), 1, 64),
    dataFile: o.dataFile,
    labelCol: o.labelCol,
    positive: o.positive,
  };
}
