/**
 * The plan of a scoring run, kept in OUT/score.json: the input, the model, the row count and how
 * the rows are cut into shards. Shard i is rows [i*shardRows, min((i+1)*shardRows, rows)) and its
 * predictions are OUT/part-0000i.parquet, written by an atomic rename: a part file present is a
 * shard done, whoever wrote it. A rerun with the same plan scores only the shards without a part
 * (resume); a different plan in the same folder is refused rather than mixed in.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { writeJsonAtomic } from '../util/atomic.js';

export const PLAN_FILE = 'score.json';

export interface ScorePlan {
  format: 'verde-score';
  formatVersion: 1;
  /** The input as given (absolute path or glob). */
  data: string;
  /** The model directory (absolute) and its manifest's name and version. */
  model: string;
  modelName: string;
  modelVersion: string;
  labels: string[];
  textCol: string | null;
  rows: number;
  shardRows: number;
  shards: number;
}

export interface Shard {
  index: number;
  /** 0-based first row (inclusive) and end (exclusive). */
  start: number;
  end: number;
}

export function partName(index: number): string {
  return `part-${String(index).padStart(5, '0')}.parquet`;
}

export function shardsOf(plan: Pick<ScorePlan, 'rows' | 'shardRows'>): Shard[] {
  const out: Shard[] = [];
  for (let i = 0, s = 0; s < plan.rows; i++, s += plan.shardRows) out.push({ index: i, start: s, end: Math.min(plan.rows, s + plan.shardRows) });
  return out;
}

export async function readPlan(out: string): Promise<ScorePlan | null> {
  try {
    return JSON.parse(await readFile(join(out, PLAN_FILE), 'utf8')) as ScorePlan;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${join(out, PLAN_FILE)}: unreadable (${(err as Error).message.split('\n')[0]}); use a new --out`);
  }
}

/** Write `plan` to OUT, or check it equals the one already there (a resume). Returns true when resuming. */
export async function settlePlan(out: string, plan: ScorePlan): Promise<boolean> {
  const old = await readPlan(out);
  if (!old) {
    await writeJsonAtomic(join(out, PLAN_FILE), plan);
    return false;
  }
  const keys: (keyof ScorePlan)[] = ['data', 'modelVersion', 'rows', 'shardRows', 'textCol'];
  const diff = keys.filter((k) => JSON.stringify(old[k]) !== JSON.stringify(plan[k]));
  if (diff.length) {
    throw new UserError(`--out ${out}: holds another scoring run (${diff.map((k) => `${k} ${JSON.stringify(old[k])} there, ${JSON.stringify(plan[k])} now`).join('; ')}); use a new --out or delete it`);
  }
  return true;
}

/** Indices of the shards whose part file exists. */
export async function doneShards(out: string): Promise<Set<number>> {
  const done = new Set<number>();
  for (const name of await readdir(out)) {
    const m = /^part-(\d{5,})\.parquet$/.exec(name);
    if (m) done.add(Number(m[1]));
  }
  return done;
}

/** Remove temporary part files left by a killed writer (names start with a dot: never read as parts). */
export async function sweepTempParts(out: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(out)) {
    if (/^\.part-\d+\.parquet\..*\.tmp$/.test(name)) {
      await rm(join(out, name), { force: true });
      n++;
    }
  }
  return n;
}
