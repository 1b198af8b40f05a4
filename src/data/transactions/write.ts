/**
 * Streams generated transactions to a CSV file, or to Parquet (zstd) through DuckDB, one day at a
 * time. Files appear atomically (temp + rename); the same options give the same bytes.
 */
import { sqlString } from '../../util/sql.js';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { generateTransactionDays, resolveOptions, type GenerateOptions, type GenerateStats, type Transaction } from './simulate.js';
import { progressBar } from '../../util/progress.js';

/** Column order of the CSV/Parquet files, with their DuckDB types. */
export const TRANSACTION_COLUMNS: Record<string, string> = {
  tx_id: 'BIGINT',
  ts: 'TIMESTAMP',
  card_id: 'BIGINT',
  merchant_id: 'INTEGER',
  category: 'VARCHAR',
  channel: 'VARCHAR',
  amount: 'DOUBLE',
  device_id: 'BIGINT',
  lat: 'DOUBLE',
  lon: 'DOUBLE',
  home_lat: 'DOUBLE',
  home_lon: 'DOUBLE',
  is_fraud: 'INTEGER',
};

export const LABEL_COLUMN = 'is_fraud';

export interface WriteResult {
  path: string;
  format: 'csv' | 'parquet';
  bytes: number;
  stats: GenerateStats;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 'YYYY-MM-DD HH:MM:SS' in UTC, without going through locale-dependent code. */
export function formatTimestamp(ts: number): string {
  const d = new Date(ts * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function csvLine(t: Transaction): string {
  return `${t.txId},${formatTimestamp(t.ts)},${t.card},${t.merchant},${t.category},${t.channel},${(t.amountCents / 100).toFixed(2)},${t.device ?? ''},${t.lat.toFixed(4)},${t.lon.toFixed(4)},${t.homeLat.toFixed(4)},${t.homeLon.toFixed(4)},${t.fraud}\n`;
}

export const CSV_HEADER = Object.keys(TRANSACTION_COLUMNS).join(',') + '\n';

function tmpName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

async function writeCsv(path: string, opts: GenerateOptions, progressLabel?: string): Promise<GenerateStats> {
  const total = resolveOptions(opts).rows;
  const stats = {} as GenerateStats;
  const fh = await open(path, 'w');
  const bar = progressLabel ? progressBar(progressLabel, total, ['fraud']) : undefined;
  try {
    let buf = CSV_HEADER;
    for (const day of generateTransactionDays(opts, stats)) {
      for (const t of day) {
        buf += csvLine(t);
        if (buf.length > 1 << 20) {
          await fh.write(buf);
          buf = '';
        }
      }
      bar?.update(stats.rows, { fraud: stats.fraudRows });
    }
    await fh.write(buf);
  } finally {
    await fh.close();
    bar?.stop();
  }
  return stats;
}

/**
 * Generate `opts.rows` transactions into `path`. The format follows the extension (.parquet or
 * .csv) unless given. Parquet goes through a temporary CSV and DuckDB's COPY with zstd compression
 * (single-threaded, so the bytes are reproducible).
 */
export async function writeTransactions(
  path: string,
  opts: GenerateOptions,
  options: { format?: 'csv' | 'parquet'; progressLabel?: string } = {},
): Promise<WriteResult> {
  const format = options.format ?? (path.endsWith('.parquet') ? 'parquet' : 'csv');
  await mkdir(dirname(path), { recursive: true });
  const tmpCsv = tmpName(path) + '.csv';
  try {
    const stats = await writeCsv(tmpCsv, opts, options.progressLabel);
    if (format === 'csv') {
      await rename(tmpCsv, path);
    } else {
      const tmpParquet = tmpName(path);
      await csvToParquet(tmpCsv, tmpParquet);
      await rename(tmpParquet, path);
    }
    return { path, format, bytes: (await stat(path)).size, stats };
  } finally {
    await rm(tmpCsv, { force: true });
  }
}

/** DuckDB read_csv call with the generator's exact column types (no sniffing surprises). */
export function readTransactionsCsvSql(csvPath: string): string {
  const cols = Object.entries(TRANSACTION_COLUMNS).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ');
  return `read_csv(${sqlString(csvPath)}, header = true, columns = {${cols}}, timestampformat = '%Y-%m-%d %H:%M:%S')`;
}

async function csvToParquet(csvPath: string, parquetPath: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  try {
    await con.run(`COPY (SELECT * FROM ${readTransactionsCsvSql(csvPath)}) TO ${sqlString(parquetPath)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
