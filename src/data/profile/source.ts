/**
 * Any user file (CSV, TSV, JSON Lines, JSON, Parquet) as a DuckDB table function, after a cheap check
 * that the file is what its extension says (a Parquet magic number, text without NUL bytes, JSON that
 * starts like JSON): a mislabelled file is a one-line error before DuckDB guesses at it.
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { fail } from '../../util/errors.js';
import { sqlString } from '../../util/sql.js';
import { inputFileSize } from '../../util/input-file.js';

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet';

export function formatOf(file: string): DataFormat {
  const ext = extname(file).toLowerCase();
  switch (ext) {
    case '.csv': case '.txt': return 'csv';
    case '.tsv': return 'tsv';
    case '.jsonl': case '.ndjson': return 'jsonl';
    case '.json': return 'json';
    case '.parquet': case '.pq': return 'parquet';
    default: fail(file, `unknown file type "${ext || '(none)'}"; use .csv, .tsv, .jsonl, .json or .parquet`);
  }
}

/** The table function that streams `file` with types inferred (CSV sniffed, Parquet typed). */
export function sourceSql(file: string): string {
  const f = sqlString(file);
  switch (formatOf(file)) {
    case 'csv': return `read_csv(${f}, header = true)`;
    case 'tsv': return `read_csv(${f}, header = true, delim = '\t')`;
    case 'jsonl': return `read_json(${f}, format = 'newline_delimited')`;
    case 'json': return `read_json(${f}, format = 'auto')`;
    case 'parquet': return `read_parquet(${f})`;
  }
}

/** Fail (one line) when `file` is missing, empty, or plainly not the format its extension says. */
export async function checkFile(file: string): Promise<{ format: DataFormat; bytes: number }> {
  const format = formatOf(file);
  const bytes = await inputFileSize(file);
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(bytes, 65536));
    await fh.read(head, 0, head.length, 0);
    if (format === 'parquet') {
      const tail = Buffer.alloc(4);
      await fh.read(tail, 0, 4, Math.max(0, bytes - 4));
      if (bytes < 12 || head.subarray(0, 4).toString('latin1') !== 'PAR1' || tail.toString('latin1') !== 'PAR1') {
        fail(file, 'not a Parquet file (no PAR1 magic number at its start and end)');
      }
    } else {
      if (head.includes(0)) fail(file, `not a ${format.toUpperCase()} text file (binary content: NUL bytes)`);
      if (head.subarray(0, 4).toString('latin1') === 'PAR1') fail(file, `not a ${format.toUpperCase()} file (it is Parquet; name it .parquet)`);
      if (format === 'json' || format === 'jsonl') {
        const first = head.toString('utf8').trimStart()[0];
        if (first !== '{' && first !== '[') fail(file, `not a ${format.toUpperCase()} file (does not start with { or [)`);
      }
    }
  } finally {
    await fh.close();
  }
  return { format, bytes };
}

/** One line of a DuckDB error (its first line, without the "X Error: " prefix). */
export function duckMessage(err: unknown): string {
  const msg = String((err as Error)?.message ?? err);
  return msg.split('\n')[0]!.replace(/^[A-Za-z ]*Error: /, '').slice(0, 300);
}

export type DuckCon = Awaited<ReturnType<Awaited<ReturnType<typeof import('@duckdb/node-api').DuckDBInstance.create>>['connect']>>;

/**
 * A DuckDB database for one command (`path`: ':memory:' or a file in a work directory) with a memory
 * limit, so that large inputs spill to disk instead of growing the process: profile and minimise
 * stream within a bounded RSS. Call `close()` when done.
 */
export async function openDuck(path: string, opts: { memoryLimit?: string; threads?: number; tempDir?: string } = {}): Promise<{ con: DuckCon; close: () => void }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const config: Record<string, string> = { memory_limit: opts.memoryLimit ?? '1GB', preserve_insertion_order: 'false' };
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.tempDir) config.temp_directory = opts.tempDir;
  const db = await DuckDBInstance.create(path, config);
  const con = await db.connect();
  return { con, close: () => { con.closeSync(); db.closeSync(); } };
}

/** Rows of a query as plain JS objects (BigInt counts as numbers). */
export async function queryObjects(con: DuckCon, sql: string): Promise<Record<string, unknown>[]> {
  const r = await con.runAndReadAll(sql);
  return (r.getRowObjectsJS() as Record<string, unknown>[]).map((o) => {
    for (const k of Object.keys(o)) if (typeof o[k] === 'bigint') o[k] = Number(o[k]);
    return o;
  });
}

/** Numeric DuckDB column types (what the statistics and filters apply to). */
export const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;

export async function describe(con: DuckCon, from: string): Promise<{ name: string; type: string }[]> {
  const rows = await queryObjects(con, `DESCRIBE SELECT * FROM ${from}`);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/**
 * A column's value as a near-duplicate key: numbers rounded to `decimals`, text lower-cased with
 * white space collapsed and trimmed, anything else as it is.
 */
export function normalisedExpr(ident: string, type: string, decimals: number): string {
  if (NUMERIC_TYPE.test(type)) return `round(${ident}::DOUBLE, ${decimals})`;
  if (type === 'VARCHAR') return `lower(trim(regexp_replace(${ident}, '\\s+', ' ', 'g')))`;
  return ident;
}

/**
 * An identifier-like column: nearly every row holds a different value and the type is not a
 * measurement (integers, text, times: ids, keys, timestamps; a continuous number is distinct by
 * nature and stays). Such columns would make every row unique, so near-duplicate keys leave them out.
 */
export function identifierLike(type: string, distinct: number, rows: number): boolean {
  return rows > 20 && distinct >= 0.95 * rows && !/^(FLOAT|DOUBLE|DECIMAL.*)$/.test(type);
}
