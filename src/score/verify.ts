/**
 * The exactly-once check a run ends with: one part file per shard and no other, and across them
 * every input row number 1..rows exactly once (count = distinct count = rows, min 1, max rows).
 */
import { join } from 'node:path';
import { sqlString } from '../util/sql.js';
import { openDuck } from './source.js';
import { doneShards, type ScorePlan } from './shards.js';

export interface Verdict {
  ok: boolean;
  missingShards: number[];
  extraShards: number[];
  rows: number;
  distinctRows: number;
  problem: string | null;
}

export async function verifyParts(out: string, plan: ScorePlan): Promise<Verdict> {
  const done = await doneShards(out);
  const missingShards = Array.from({ length: plan.shards }, (_, i) => i).filter((i) => !done.has(i));
  const extraShards = [...done].filter((i) => i >= plan.shards);
  if (missingShards.length || extraShards.length || done.size === 0) {
    return { ok: false, missingShards, extraShards, rows: 0, distinctRows: 0, problem: `${missingShards.length} shard(s) without a part, ${extraShards.length} part(s) beyond the plan` };
  }
  const { con, close } = await openDuck(2);
  try {
    const r = (await con.runAndReadAll(`SELECT count(*), count(DISTINCT "row"), min("row"), max("row") FROM read_parquet(${sqlString(join(out, 'part-*.parquet'))})`)).getRows()[0]!.map(Number);
    const [rows, distinctRows, min, max] = r as [number, number, number, number];
    const ok = rows === plan.rows && distinctRows === plan.rows && min === 1 && max === plan.rows;
    return { ok, missingShards, extraShards, rows, distinctRows, problem: ok ? null : `${rows} predictions, ${distinctRows} distinct rows (rows ${min}-${max}) for ${plan.rows} input rows` };
  } finally {
    close();
  }
}
