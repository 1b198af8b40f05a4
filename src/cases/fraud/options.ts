/**
 * `verde fraud` options: defaults, and checks that turn bad values into one-line errors naming the
 * flag. The default size (200,000 generated transactions) runs the whole case in a few minutes on
 * two cores.
 */
import { cpus } from 'node:os';
import { UserError } from '../../util/errors.js';
import { checkWhole, choiceFlag } from '../../util/flags.js';
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
/** The defaults `verde fraud --help` shows are these (the CLI takes them from here). */
export const FRAUD_DEFAULTS = { rows: DEFAULT_ROWS, seed: 42, clients: 3 } as const;

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

/**
 * [flag, min, max] of the whole-number options, one place for both checks: the CLI parses each flag
 * with these bounds and `resolveFraudOptions` checks a library caller's value against them, so both
 * refuse with the same line (util/flags.ts).
 */
export const FRAUD_WHOLE_FLAGS = {
  rows: ['--rows', 10_000, 10_000_000],
  seed: ['--seed', 0, 2 ** 31 - 1],
  clients: ['--clients', 2, 8],
  threads: ['--threads', 1, 64],
} as const;

function whole(key: keyof typeof FRAUD_WHOLE_FLAGS, v: number | undefined, def: number): number {
  const [flag, min, max] = FRAUD_WHOLE_FLAGS[key];
  return v === undefined ? def : checkWhole(flag, v, min, max);
}

export function resolveFraudOptions(o: FraudCaseOptions): FraudCaseOptionsResolved {
  if (!o.outDir) throw new UserError('--out: a results directory is required');
  if (o.dataFile === undefined && (o.labelCol !== undefined || o.positive !== undefined)) {
    throw new UserError(`${o.labelCol !== undefined ? '--label-col' : '--positive'}: only applies with --data FILE`);
  }
  if (o.dataFile !== undefined && !o.labelCol) throw new UserError('--label-col: required with --data (the name of the column holding the class)');
  const technique = choiceFlag('--skip', TECHNIQUES);
  const skip = new Set<string>((o.skip ?? []).flatMap((s) => s.split(',').map((x) => x.trim()).filter(Boolean).map(technique)));
  return {
    rows: whole('rows', o.rows, DEFAULT_ROWS),
    seed: whole('seed', o.seed, FRAUD_DEFAULTS.seed),
    country: o.country,
    clients: whole('clients', o.clients, FRAUD_DEFAULTS.clients),
    skip,
    threads: whole('threads', o.threads, Math.max(1, Math.min(4, cpus().length))),
    dataFile: o.dataFile,
    labelCol: o.labelCol,
    positive: o.positive,
  };
}
