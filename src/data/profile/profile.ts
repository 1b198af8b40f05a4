/**
 * `verde data profile`: what a data set holds, computed by DuckDB in streaming aggregates (the file is
 * never loaded into JS). The input is first copied once to zstd Parquet in a temporary directory: that
 * gives the "as zstd Parquet" size and makes the later scans cheap, whatever the input format.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail } from '../../util/errors.js';
import { sqlIdent, sqlString } from '../../util/sql.js';
import { NUMERIC_TYPE, checkFile, identifierLike, describe, duckMessage, normalisedExpr, openDuck, queryObjects, sourceSql, type DataFormat, type DuckCon } from './source.js';

export interface ProfileOptions {
  labelCol?: string;
  /** |r| above which a numeric pair is reported as highly correlated (default 0.95). */
  corrThreshold?: number;
  /** Share of rows the most frequent value must cover for a column to be near-constant (default 0.99). */
  nearConstantShare?: number;
  /** Decimals numbers are rounded to for the near-duplicate key (default 2). */
  nearDecimals?: number;
}

export interface ColumnProfile {
  name: string;
  type: string;
  missing: number;
  missingShare: number;
  /** Distinct non-missing values (exact). */
  distinct: number;
  /** Share of rows holding the most frequent value (missing counts as a value). */
  topShare: number;
  nearConstant: boolean;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
}

export interface DataProfile {
  file: string;
  format: DataFormat;
  rows: number;
  columns: ColumnProfile[];
  correlatedPairs: { a: string; b: string; r: number }[];
  corrThreshold: number;
  exactDuplicates: number;
  /** Rows equal to an earlier one after normalising (text case/space, numbers rounded), beyond the exact duplicates; identifier-like columns left out of the key. */
  nearDuplicates: number;
  nearDuplicateKey: { decimals: number; columnsLeftOut: string[] };
  label?: { column: string; classes: { value: string; rows: number; share: number }[] };
  bytes: { asRead: number; zstdParquet: number };
  seconds: number;
}

/** Profile `file`; `con` lets a caller reuse its connection (else one is opened). */
export async function profileFile(file: string, opts: ProfileOptions = {}): Promise<DataProfile> {
  const t0 = performance.now();
  const { format, bytes } = await checkFile(file);
  const work = await mkdtemp(join(tmpdir(), 'verde-profile-'));
  const { con, close } = await openDuck(':memory:', { tempDir: work });
  try {
    const pq = join(work, 'input.parquet');
    try {
      await con.run(`COPY (SELECT * FROM ${sourceSql(file)}) TO ${sqlString(pq)} (FORMAT parquet, COMPRESSION zstd)`);
    } catch (err) {
      fail(file, `cannot read as ${format.toUpperCase()} (${duckMessage(err)})`);
    }
    await con.run(`CREATE VIEW t AS SELECT * FROM read_parquet(${sqlString(pq)})`);
    const body = await profileTable(con, 't', opts, file);
    return { file, format, ...body, bytes: { asRead: bytes, zstdParquet: (await stat(pq)).size }, seconds: (performance.now() - t0) / 1000 };
  } finally {
    close();
    await rm(work, { recursive: true, force: true });
  }
}

/** The profile of a table or view `t` (everything but the file figures). */
export async function profileTable(con: DuckCon, t: string, opts: ProfileOptions, file: string): Promise<Omit<DataProfile, 'file' | 'format' | 'bytes' | 'seconds'>> {
  const corrThreshold = opts.corrThreshold ?? 0.95;
  const nearShare = opts.nearConstantShare ?? 0.99;
  const decimals = opts.nearDecimals ?? 2;
  const cols = await describe(con, t);
  if (cols.length === 0) fail(file, 'has no columns');
  if (opts.labelCol !== undefined && !cols.some((c) => c.name === opts.labelCol)) {
    fail(file, `label column "${opts.labelCol}" not found (columns: ${cols.map((c) => c.name).join(', ')})`);
  }
  const numeric = cols.filter((c) => NUMERIC_TYPE.test(c.type));
  const parts = ['count(*) AS n'];
  cols.forEach((c, i) => {
    const id = sqlIdent(c.name);
    parts.push(`count(${id}) AS nn${i}`, `count(DISTINCT ${id}) AS d${i}`);
    if (NUMERIC_TYPE.test(c.type)) parts.push(`min(${id})::DOUBLE AS mn${i}`, `max(${id})::DOUBLE AS mx${i}`, `avg(${id})::DOUBLE AS av${i}`, `stddev_samp(${id})::DOUBLE AS sd${i}`);
  });
  const agg = (await queryObjects(con, `SELECT ${parts.join(', ')} FROM ${t}`))[0]!;
  const rows = Number(agg.n);
  if (rows === 0) fail(file, 'has no data rows');
  const columns: ColumnProfile[] = [];
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    const top = (await queryObjects(con, `SELECT max(k) AS k FROM (SELECT count(*) AS k FROM ${t} GROUP BY ${sqlIdent(c.name)})`))[0]!;
    const missing = rows - Number(agg[`nn${i}`]);
    const topShare = Number(top.k) / rows;
    const p: ColumnProfile = {
      name: c.name, type: c.type, missing, missingShare: missing / rows,
      distinct: Math.min(Number(agg[`d${i}`]), rows - missing), topShare, nearConstant: topShare >= nearShare,
    };
    if (NUMERIC_TYPE.test(c.type)) {
      const num = (k: string) => (agg[k] === null || agg[k] === undefined ? undefined : Number(agg[k]));
      Object.assign(p, { min: num(`mn${i}`), max: num(`mx${i}`), mean: num(`av${i}`), std: num(`sd${i}`) });
    }
    columns.push(p);
  }
  const correlatedPairs = await correlated(con, t, numeric.map((c) => c.name), corrThreshold);
  const distinctRows = Number((await queryObjects(con, `SELECT count(*) AS k FROM (SELECT DISTINCT * FROM ${t})`))[0]!.k);
  // Identifier-like columns (nearly every value distinct) would make every row unique: left out of the near key.
  const leftOut = columns.filter((c) => c.name !== opts.labelCol && identifierLike(c.type, c.distinct, rows)).map((c) => c.name);
  const keyCols = cols.filter((c) => !leftOut.includes(c.name));
  let nearDistinct = distinctRows;
  if (keyCols.length > 0) {
    const key = keyCols.map((c) => normalisedExpr(sqlIdent(c.name), c.type, decimals)).join(', ');
    nearDistinct = Number((await queryObjects(con, `SELECT count(*) AS k FROM (SELECT DISTINCT ${key} FROM ${t})`))[0]!.k);
  }
  const profile: Omit<DataProfile, 'file' | 'format' | 'bytes' | 'seconds'> = {
    rows, columns, correlatedPairs, corrThreshold,
    exactDuplicates: rows - distinctRows,
    nearDuplicates: Math.max(0, distinctRows - nearDistinct),
    nearDuplicateKey: { decimals, columnsLeftOut: leftOut },
  };
  if (opts.labelCol !== undefined) {
    const id = sqlIdent(opts.labelCol);
    const classes = await queryObjects(con, `SELECT CAST(${id} AS VARCHAR) AS v, count(*) AS k FROM ${t} GROUP BY ${id} ORDER BY k DESC, v`);
    profile.label = { column: opts.labelCol, classes: classes.map((r) => ({ value: r.v === null ? '(missing)' : String(r.v), rows: Number(r.k), share: Number(r.k) / rows })) };
  }
  return profile;
}

/** Numeric pairs with |Pearson r| above `threshold`, strongest first (one aggregate pass). */
export async function correlated(con: DuckCon, t: string, names: string[], threshold: number): Promise<{ a: string; b: string; r: number }[]> {
  const pairs: [string, string][] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push([names[i]!, names[j]!]);
  if (pairs.length === 0) return [];
  const out: { a: string; b: string; r: number }[] = [];
  // In chunks: a wide table has many pairs, and one SELECT of thousands of aggregates is slow to plan.
  for (let s = 0; s < pairs.length; s += 200) {
    const chunk = pairs.slice(s, s + 200);
    const row = (await queryObjects(con, `SELECT ${chunk.map(([a, b], k) => `corr(${sqlIdent(a)}::DOUBLE, ${sqlIdent(b)}::DOUBLE) AS r${k}`).join(', ')} FROM ${t}`))[0]!;
    chunk.forEach(([a, b], k) => {
      const r = row[`r${k}`];
      if (r !== null && Number.isFinite(Number(r)) && Math.abs(Number(r)) > threshold) out.push({ a, b, r: Number(r) });
    });
  }
  return out.sort((x, y) => Math.abs(y.r) - Math.abs(x.r));
}
