/**
 * The fraud case's data stage on DuckDB (an embedded database file): load -> rule filter -> exact
 * dedup by hash -> near-duplicate consolidation -> features without future leakage -> Parquet (zstd)
 * -> time-ordered train/validation/test split. Rows and bytes are measured before and after every
 * step (each step's table written as zstd Parquet), and CSV vs Parquet size for the raw and the
 * final data.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../../util/errors.js';
import { exists } from '../../util/atomic.js';
import { readTransactionsCsvSql, LABEL_COLUMN } from '../transactions/write.js';
import { sqlIdent, sqlString } from '../../util/sql.js';
import { DEFAULT_FILTER_RULE, KEY_COLUMNS, NON_FEATURE_COLUMNS, copySql, exactDedupSql, featuresSql, filterSql, nearDedupSql } from './sql.js';

export interface StageOptions {
  /** Transactions file (CSV or Parquet, the generator's columns). */
  input: string;
  /** Output directory (created): stage.duckdb, per-step Parquet files, features.parquet, train/valid/test.parquet. */
  outDir: string;
  /** SQL condition of rows to drop; default DEFAULT_FILTER_RULE; false = no filtering. */
  filter?: string | false;
  /** Near-duplicate window in seconds (default 120). */
  nearDuplicateWindowS?: number;
  /**
   * Remove exact duplicates and consolidate near duplicates (default true). false keeps every row,
   * as a plain pipeline would: the baseline of the minimisation comparison. The steps stay in the
   * report with rows unchanged.
   */
  dedup?: boolean;
  /** Decimals the amount is rounded to for the near-duplicate key (default 0: whole units). */
  amountDecimals?: number;
  /** Shares of the time-ordered rows for train and validation (test gets the rest). Default 0.7 / 0.15. */
  split?: { train: number; valid: number };
  /** DuckDB threads (default: DuckDB's choice). */
  threads?: number;
  /** Where to print the report lines (default: nowhere; formatStageReport gives the text). */
  log?: (line: string) => void;
}

export interface StageStep {
  name: 'load' | 'filter' | 'exactDedup' | 'nearDedup' | 'features';
  rowsBefore: number;
  rowsAfter: number;
  fraudRowsBefore: number;
  fraudRowsAfter: number;
  /** zstd Parquet bytes of the table before and after the step. */
  bytesBefore: number;
  bytesAfter: number;
  seconds: number;
}

export interface StageResult {
  steps: StageStep[];
  /** Raw input as CSV vs as zstd Parquet, and the final feature table as CSV vs Parquet. */
  storage: { rawCsvBytes: number; rawParquetBytes: number; featuresCsvBytes: number; featuresParquetBytes: number };
  files: { database: string; features: string; train: string; valid: string; test: string };
  split: { trainRows: number; validRows: number; testRows: number; validFrom: string; testFrom: string };
  labelCol: string;
  /** Columns of the feature files that are not features (pass as `exclude` to readTabular). */
  nonFeatureColumns: string[];
  filterRule: string | null;
}

type Con = Awaited<ReturnType<Awaited<ReturnType<typeof import('@duckdb/node-api').DuckDBInstance.create>>['connect']>>;

async function counts(con: Con, table: string): Promise<{ rows: number; fraud: number }> {
  const r = await con.runAndReadAll(`SELECT count(*), coalesce(sum(${LABEL_COLUMN}), 0) FROM ${table}`);
  const row = r.getRows()[0]!;
  return { rows: Number(row[0]), fraud: Number(row[1]) };
}

async function parquetBytes(con: Con, table: string, path: string): Promise<number> {
  await con.run(`COPY (SELECT * FROM ${table}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  return (await stat(path)).size;
}

export async function runDataStage(opts: StageOptions): Promise<StageResult> {
  if (!(await exists(opts.input))) fail(opts.input, 'file not found');
  const split = opts.split ?? { train: 0.7, valid: 0.15 };
  if (!(split.train > 0 && split.valid > 0 && split.train + split.valid < 1)) fail('split', 'train and valid shares must be > 0 and sum to less than 1');
  const windowS = opts.nearDuplicateWindowS ?? 120;
  const decimals = opts.amountDecimals ?? 0;
  const rule = opts.filter === false ? null : opts.filter ?? DEFAULT_FILTER_RULE;
  await mkdir(opts.outDir, { recursive: true });
  const dbPath = join(opts.outDir, 'stage.duckdb');
  await rm(dbPath, { force: true });
  await rm(dbPath + '.wal', { force: true });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(dbPath, opts.threads ? { threads: String(opts.threads) } : {});
  const con = await db.connect();
  const steps: StageStep[] = [];
  const stepsDir = join(opts.outDir, 'steps');
  await mkdir(stepsDir, { recursive: true });
  const log = opts.log ?? (() => {});
  try {
    const isParquet = /\.(parquet|pq)$/i.test(opts.input);
    const inputBytes = (await stat(opts.input)).size;
    let t0 = performance.now();
    const source = isParquet ? `read_parquet(${sqlString(opts.input)})` : readTransactionsCsvSql(opts.input);
    try {
      await con.run(`CREATE TABLE raw AS SELECT * FROM ${source}`);
    } catch (err) {
      fail(opts.input, `cannot load as transactions (${(err as Error).message.split('\n')[0]})`);
    }
    const cols = (await con.runAndReadAll(`SELECT column_name FROM (DESCRIBE raw)`)).getRows().map((r) => String(r[0]));
    const missing = KEY_COLUMNS.filter((c) => !cols.includes(c));
    if (missing.length) fail(opts.input, `missing transaction columns: ${missing.join(', ')}`);
    let cur = await counts(con, 'raw');
    let curBytes = await parquetBytes(con, 'raw', join(stepsDir, '0-raw.parquet'));
    const rawParquetBytes = curBytes;
    const rawCsvBytes = isParquet ? await csvBytes(con, 'raw', join(stepsDir, 'raw.csv')) : inputBytes;
    steps.push({ name: 'load', rowsBefore: cur.rows, rowsAfter: cur.rows, fraudRowsBefore: cur.fraud, fraudRowsAfter: cur.fraud,
      bytesBefore: inputBytes, bytesAfter: curBytes, seconds: (performance.now() - t0) / 1000 });

    const step = async (name: StageStep['name'], sql: string, table: string, file: string) => {
      t0 = performance.now();
      try {
        await con.run(sql);
      } catch (err) {
        fail(name === 'filter' ? 'filter rule' : `data stage (${name})`, (err as Error).message.split('\n')[0]!);
      }
      const after = await counts(con, table);
      const bytes = await parquetBytes(con, table, join(stepsDir, file));
      steps.push({ name, rowsBefore: cur.rows, rowsAfter: after.rows, fraudRowsBefore: cur.fraud, fraudRowsAfter: after.fraud,
        bytesBefore: curBytes, bytesAfter: bytes, seconds: (performance.now() - t0) / 1000 });
      cur = after;
      curBytes = bytes;
    };
    await step('filter', filterSql('raw', 'filtered', rule ?? 'false'), 'filtered', '1-filtered.parquet');
    const dedup = opts.dedup ?? true;
    await step('exactDedup', dedup ? exactDedupSql('filtered', 'dedup', KEY_COLUMNS) : copySql('filtered', 'dedup'), 'dedup', '2-dedup.parquet');
    await step('nearDedup', dedup ? nearDedupSql('dedup', 'consolidated', windowS, decimals) : copySql('dedup', 'consolidated'), 'consolidated', '3-consolidated.parquet');
    await step('features', featuresSql('consolidated', 'features'), 'features', '4-features.parquet');

    const featuresPath = join(opts.outDir, 'features.parquet');
    const featuresParquetBytes = await parquetBytes(con, 'features', featuresPath);
    const featuresCsvBytes = await csvBytes(con, 'features', join(stepsDir, 'features.csv'));

    // Time-ordered split: the model is always tested on transactions later than those it learnt from.
    const n = cur.rows;
    const nTrain = Math.floor(n * split.train);
    const nValid = Math.floor(n * split.valid);
    // Ties on (ts, tx_id) are the kept exact duplicates, which the per-card windows may have given
    // different features (only the first is a new device): every column breaks the tie, so the files,
    // and the models trained on them, are the same from run to run.
    const featureCols = (await con.runAndReadAll(`SELECT column_name FROM (DESCRIBE features)`)).getRows().map((r) => sqlIdent(String(r[0])));
    await con.run(`CREATE OR REPLACE TABLE ordered AS SELECT *, row_number() OVER (ORDER BY ts, tx_id, ${featureCols.join(', ')}) AS rn FROM features`);
    const files = { database: dbPath, features: featuresPath, train: join(opts.outDir, 'train.parquet'), valid: join(opts.outDir, 'valid.parquet'), test: join(opts.outDir, 'test.parquet') };
    const part = async (where: string, path: string) => {
      await con.run(`COPY (SELECT * EXCLUDE (rn) FROM ordered WHERE ${where} ORDER BY rn) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
    };
    await part(`rn <= ${nTrain}`, files.train);
    await part(`rn > ${nTrain} AND rn <= ${nTrain + nValid}`, files.valid);
    await part(`rn > ${nTrain + nValid}`, files.test);
    const tsAt = async (rn: number) => String((await con.runAndReadAll(`SELECT CAST(ts AS VARCHAR) FROM ordered WHERE rn = ${rn}`)).getRows()[0]?.[0] ?? '');
    const result: StageResult = {
      steps,
      storage: { rawCsvBytes, rawParquetBytes, featuresCsvBytes, featuresParquetBytes },
      files,
      split: { trainRows: nTrain, validRows: nValid, testRows: n - nTrain - nValid, validFrom: await tsAt(nTrain + 1), testFrom: await tsAt(nTrain + nValid + 1) },
      labelCol: LABEL_COLUMN,
      nonFeatureColumns: [...NON_FEATURE_COLUMNS],
      filterRule: rule,
    };
    await con.run('DROP TABLE ordered');
    for (const line of formatStageReport(result).split('\n')) log(line);
    return result;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

async function csvBytes(con: Con, table: string, path: string): Promise<number> {
  await con.run(`COPY (SELECT * FROM ${table}) TO ${sqlString(path)} (FORMAT csv, HEADER true)`);
  const size = (await stat(path)).size;
  await rm(path, { force: true });
  return size;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(2) + ' MB';
}

/** The report as a small text table (rows, fraud rows, bytes per step; CSV vs Parquet). */
export function formatStageReport(r: StageResult): string {
  const lines = ['step         rows before -> after    fraud before -> after   bytes before -> after (zstd Parquet)   time'];
  for (const s of r.steps) {
    lines.push(`${s.name.padEnd(12)} ${String(s.rowsBefore).padStart(10)} -> ${String(s.rowsAfter).padEnd(10)} ${String(s.fraudRowsBefore).padStart(6)} -> ${String(s.fraudRowsAfter).padEnd(8)} ${mb(s.bytesBefore).padStart(10)} -> ${mb(s.bytesAfter).padEnd(12)}${s.name === 'load' ? ' (input file -> Parquet)' : '             '}  ${s.seconds.toFixed(2)} s`);
  }
  const st = r.storage;
  lines.push(`raw data: CSV ${mb(st.rawCsvBytes)} vs Parquet ${mb(st.rawParquetBytes)} (${(st.rawCsvBytes / st.rawParquetBytes).toFixed(1)}x smaller)`);
  lines.push(`features: CSV ${mb(st.featuresCsvBytes)} vs Parquet ${mb(st.featuresParquetBytes)} (${(st.featuresCsvBytes / st.featuresParquetBytes).toFixed(1)}x smaller)`);
  lines.push(`split (time-ordered): train ${r.split.trainRows}, valid ${r.split.validRows} from ${r.split.validFrom}, test ${r.split.testRows} from ${r.split.testFrom}`);
  return lines.join('\n');
}
