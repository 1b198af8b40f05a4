/**
 * One shard's predictions as a zstd Parquet part: columns `row` (1-based input row number),
 * `label`, and one `p_<label>` probability column per label in label-id order. DuckDB writes it
 * (an appender into an in-memory table, then COPY ... (FORMAT parquet, COMPRESSION zstd)) to a
 * hidden temporary name, then rename() puts it in place: the part is whole or absent, and a shard
 * written twice (a redone queue job) leaves one file with the same rows.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sqlIdent, sqlString } from '../util/sql.js';
import { openDuck } from './source.js';
import { partName } from './shards.js';

export interface ShardPredictions {
  /** 1-based input row numbers. */
  rows: number[];
  labelIds: number[];
  probabilities: number[][];
}

export function probabilityColumn(label: string): string {
  return `p_${label}`;
}

export async function writePart(out: string, index: number, labels: string[], p: ShardPredictions): Promise<string> {
  const final = join(out, partName(index));
  const tmp = join(out, `.${partName(index)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const { con, close } = await openDuck(1);
  try {
    const probCols = labels.map((l) => `${sqlIdent(probabilityColumn(l))} DOUBLE`).join(', ');
    await con.run(`CREATE TABLE preds ("row" BIGINT, label VARCHAR, ${probCols})`);
    const app = await con.createAppender('preds');
    for (let i = 0; i < p.rows.length; i++) {
      app.appendBigInt(BigInt(p.rows[i]!));
      app.appendVarchar(labels[p.labelIds[i]!]!);
      for (const v of p.probabilities[i]!) app.appendDouble(v);
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
    await con.run(`COPY (SELECT * FROM preds ORDER BY "row") TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    await rename(tmp, final);
    return final;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    close();
  }
}
