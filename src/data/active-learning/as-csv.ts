/**
 * `verde data select` reads what the other data commands read (CSV, TSV, JSON Lines, JSON,
 * Parquet): the file is checked and read by the same DuckDB readers as `data profile` and `data
 * minimise` (profile/source.ts) and, unless it already is a CSV, copied in its own row order to a
 * temporary CSV, which the selection then reads as before. Errors name the user's file, never the copy.
 */
import { basename, join } from 'node:path';
import { fail, UserError } from '../../util/errors.js';
import { sqlString } from '../../util/sql.js';
import { checkFile, duckMessage, openDuck, sourceSql } from '../profile/index.js';

/** `file` as a CSV path: itself when it is a .csv, else a copy in `tmpDir`. */
export async function asCsv(file: string, tmpDir: string, tag: string): Promise<string> {
  const { format } = await checkFile(file);
  if (format === 'csv') return file;
  const out = join(tmpDir, `${tag}-${basename(file)}.csv`);
  const { con, close } = await openDuck(':memory:', { memoryLimit: '1GB' });
  try {
    // Row order matters: the default row id is a row's position in the pool.
    await con.run('SET preserve_insertion_order = true');
    try {
      await con.run(`COPY (SELECT * FROM ${sourceSql(file)}) TO ${sqlString(out)} (FORMAT csv, HEADER true)`);
    } catch (err) {
      fail(file, `cannot read as ${format.toUpperCase()} (${duckMessage(err)})`);
    }
  } finally {
    close();
  }
  return out;
}

/** Run `fn`, naming the user's files instead of their temporary CSV copies in any one-line error. */
export async function namingOriginals<T>(copies: Map<string, string>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    let msg = err.message;
    for (const [copy, original] of copies) if (copy !== original) msg = msg.split(copy).join(original);
    throw new UserError(msg, err.exitCode);
  }
}
