/**
 * Each minimisation step as SQL over DuckDB tables: a step reads table `cur` (every input column plus
 * `__rid`, the row's number in the input) and creates table `next`. Only the MinHash text dedup and
 * the GBDT importances run in JS, on what they need (one text column; a sample of rows).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../../util/errors.js';
import { sqlIdent, sqlString } from '../../util/sql.js';
import { NUMERIC_TYPE, correlated, identifierLike, describe, duckMessage, normalisedExpr, queryObjects, type DuckCon } from '../profile/index.js';
import type { PlanStep, StepSpecs } from './plan.js';

export const RID = '__rid';

export interface StepContext {
  con: DuckCon;
  labelCol?: string;
  seed: number;
  /** Where a step's error is reported: "step 3 (outliers)". */
  where: string;
  /** A scratch directory (removed after the run). */
  work: string;
}

export interface StepOutcome {
  /** Columns the step removed (column steps), for the removed sample and the report. */
  droppedColumns: string[];
  /** What the step decided, in words (columns narrowed, pairs found, ...). */
  notes: string[];
}

type Col = { name: string; type: string };

/** Columns a step may change: everything but the row id and the label. */
async function dataColumns(ctx: StepContext): Promise<Col[]> {
  return (await describe(ctx.con, 'cur')).filter((c) => c.name !== RID && c.name !== ctx.labelCol);
}

function requireColumns(ctx: StepContext, have: Col[], names: string[] | undefined, param: string): void {
  for (const n of names ?? []) {
    if (!have.some((c) => c.name === n)) fail(ctx.where, `${param}: no column "${n}" (columns: ${have.map((c) => c.name).join(', ')})`);
  }
}

async function run(ctx: StepContext, sql: string): Promise<void> {
  try {
    await ctx.con.run(sql);
  } catch (err) {
    fail(ctx.where, duckMessage(err));
  }
}

async function dropColumns(ctx: StepContext, cols: string[]): Promise<StepOutcome> {
  const all = await dataColumns(ctx);
  if (cols.length > 0 && cols.length >= all.length) fail(ctx.where, `would drop every feature column (${cols.join(', ')}): nothing left to learn from`);
  await run(ctx, cols.length ? `CREATE TABLE next AS SELECT * EXCLUDE (${cols.map(sqlIdent).join(', ')}) FROM cur` : 'CREATE TABLE next AS SELECT * FROM cur');
  return { droppedColumns: cols, notes: cols.length ? [`dropped ${cols.join(', ')}`] : ['no column dropped'] };
}

/** A seeded pseudo-random order of rows: the same for the same seed and input. */
function seededOrder(seed: number): string {
  return `hash(${RID}, ${Math.trunc(seed)})`;
}

export async function filterStep(ctx: StepContext, s: StepSpecs['filter']): Promise<StepOutcome> {
  // NULL-safe: a row is dropped only where the predicate is definitely true.
  await run(ctx, `CREATE TABLE next AS SELECT * FROM cur WHERE NOT coalesce((${s.where}), false)`);
  return { droppedColumns: [], notes: [`dropped rows where ${s.where}`] };
}

export async function outliersStep(ctx: StepContext, s: StepSpecs['outliers']): Promise<StepOutcome> {
  const all = await dataColumns(ctx);
  requireColumns(ctx, all, s.columns, 'columns');
  const cols = all.filter((c) => NUMERIC_TYPE.test(c.type) && (!s.columns || s.columns.includes(c.name)));
  if (s.columns) for (const c of s.columns) if (!cols.some((x) => x.name === c)) fail(ctx.where, `columns: "${c}" is not numeric`);
  if (cols.length === 0) return dropColumns(ctx, []);
  const stats = s.method === 'z'
    ? cols.flatMap((c, i) => [`avg(${sqlIdent(c.name)}::DOUBLE) AS a${i}`, `stddev_samp(${sqlIdent(c.name)}::DOUBLE) AS b${i}`])
    : cols.flatMap((c, i) => [`quantile_cont(${sqlIdent(c.name)}::DOUBLE, 0.25) AS a${i}`, `quantile_cont(${sqlIdent(c.name)}::DOUBLE, 0.75) AS b${i}`]);
  const row = (await queryObjects(ctx.con, `SELECT ${stats.join(', ')} FROM cur`))[0]!;
  const conds: string[] = [];
  const notes: string[] = [];
  cols.forEach((c, i) => {
    const a = row[`a${i}`] as number | null;
    const b = row[`b${i}`] as number | null;
    if (a === null || b === null) return;
    const [lo, hi] = s.method === 'z' ? [a - s.z * b, a + s.z * b] : [a - s.k * (b - a), b + s.k * (b - a)];
    if (!(hi > lo)) return; // constant column: nothing is an outlier
    conds.push(`(${sqlIdent(c.name)} IS NULL OR ${sqlIdent(c.name)}::DOUBLE BETWEEN ${lo} AND ${hi})`);
    notes.push(`${c.name} in [${lo.toPrecision(6)}, ${hi.toPrecision(6)}]`);
  });
  await run(ctx, `CREATE TABLE next AS SELECT * FROM cur${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`);
  return { droppedColumns: [], notes: [`${s.method === 'z' ? `|z| <= ${s.z}` : `within ${s.k} IQR of the quartiles`}: ${notes.join(', ') || 'no numeric column varies'}`] };
}

export async function varianceStep(ctx: StepContext, s: StepSpecs['variance']): Promise<StepOutcome> {
  const all = await dataColumns(ctx);
  const rows = Number((await queryObjects(ctx.con, 'SELECT count(*) AS n FROM cur'))[0]!.n);
  const drop: string[] = [];
  for (const c of all) {
    const id = sqlIdent(c.name);
    const top = Number((await queryObjects(ctx.con, `SELECT max(k) AS k FROM (SELECT count(*) AS k FROM cur GROUP BY ${id})`))[0]!.k);
    let low = top / rows >= s.topShare;
    if (!low && NUMERIC_TYPE.test(c.type)) {
      const v = (await queryObjects(ctx.con, `SELECT var_samp(${id}::DOUBLE) AS v FROM cur`))[0]!.v as number | null;
      low = v !== null && v <= s.minVariance;
    }
    if (low) drop.push(c.name);
  }
  return dropColumns(ctx, drop);
}

export async function correlationStep(ctx: StepContext, s: StepSpecs['correlation']): Promise<StepOutcome> {
  const numeric = (await dataColumns(ctx)).filter((c) => NUMERIC_TYPE.test(c.type)).map((c) => c.name);
  const pairs = await correlated(ctx.con, 'cur', numeric, s.threshold);
  const drop = new Set<string>();
  // Strongest pairs first; the later column of a pair goes unless one of the two already went.
  for (const p of pairs) if (!drop.has(p.a) && !drop.has(p.b)) drop.add(p.b);
  const out = await dropColumns(ctx, [...drop]);
  out.notes.push(...pairs.filter((p) => drop.has(p.b)).map((p) => `${p.a} ~ ${p.b}: r = ${p.r.toFixed(3)}`));
  return out;
}

export async function missingStep(ctx: StepContext, s: StepSpecs['missing']): Promise<StepOutcome> {
  const all = await dataColumns(ctx);
  const row = (await queryObjects(ctx.con, `SELECT count(*) AS n, ${all.map((c, i) => `count(${sqlIdent(c.name)}) AS c${i}`).join(', ')} FROM cur`))[0]!;
  const n = Number(row.n);
  const drop = all.filter((c, i) => (n - Number(row[`c${i}`])) / n > s.maxShare).map((c) => c.name);
  if (drop.length >= all.length) fail(ctx.where, `every feature column is missing in more than ${s.maxShare * 100}% of rows`);
  const keep = all.filter((c) => !drop.includes(c.name));
  const where = s.dropRows ? ` WHERE ${keep.map((c) => `${sqlIdent(c.name)} IS NOT NULL`).join(' AND ')}` : '';
  await run(ctx, `CREATE TABLE next AS SELECT * ${drop.length ? `EXCLUDE (${drop.map(sqlIdent).join(', ')}) ` : ''}FROM cur${where}`);
  return { droppedColumns: drop, notes: [drop.length ? `dropped ${drop.join(', ')}` : 'no column dropped', s.dropRows ? 'dropped rows with a missing value' : 'rows with missing values kept'] };
}

export async function dedupStep(ctx: StepContext, s: StepSpecs['dedup']): Promise<StepOutcome> {
  const all = (await describe(ctx.con, 'cur')).filter((c) => c.name !== RID);
  requireColumns(ctx, all, s.columns, 'columns');
  const cols = s.columns ?? all.map((c) => c.name);
  await run(ctx, `CREATE TABLE next AS SELECT * FROM cur QUALIFY row_number() OVER (PARTITION BY hash(${cols.map(sqlIdent).join(', ')}) ORDER BY ${RID}) = 1`);
  return { droppedColumns: [], notes: [`key: 64-bit hash of ${s.columns ? cols.join(', ') : 'every column'}; the first row of each group kept`] };
}

export async function nearDedupStep(ctx: StepContext, s: StepSpecs['nearDedup']): Promise<StepOutcome> {
  const all = await dataColumns(ctx);
  requireColumns(ctx, all, s.columns, 'columns');
  let cols = s.columns ? all.filter((c) => s.columns!.includes(c.name)) : all;
  const leftOut: string[] = [];
  if (!s.columns) {
    // Identifier-like columns (nearly every value distinct) would make every row unique: not in the default key.
    const n = Number((await queryObjects(ctx.con, 'SELECT count(*) AS n FROM cur'))[0]!.n);
    const d = (await queryObjects(ctx.con, `SELECT ${cols.map((c, i) => `count(DISTINCT ${sqlIdent(c.name)}) AS d${i}`).join(', ')} FROM cur`))[0]!;
    cols = cols.filter((c, i) => {
      const idLike = identifierLike(c.type, Number(d[`d${i}`]), n);
      if (idLike) leftOut.push(c.name);
      return !idLike;
    });
    if (cols.length === 0) fail(ctx.where, 'every column is identifier-like; name the key with "columns"');
  }
  const key = cols.map((c) => normalisedExpr(sqlIdent(c.name), c.type, s.decimals)).join(', ');
  await run(ctx, `CREATE TABLE next AS SELECT * FROM cur QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY ${RID}) = 1`);
  return { droppedColumns: [], notes: [`key: ${cols.map((c) => c.name).join(', ')} (numbers to ${s.decimals} decimals, text case and space folded)${leftOut.length ? `; identifier-like left out: ${leftOut.join(', ')}` : ''}`] };
}

export async function textDedupStep(ctx: StepContext, s: StepSpecs['textDedup']): Promise<StepOutcome> {
  const all = await describe(ctx.con, 'cur');
  requireColumns(ctx, all.filter((c) => c.name !== RID), [s.column], 'column');
  const { minhashDedup } = await import('../minhash/index.js');
  const rids: number[] = [];
  const texts: string[] = [];
  const result = await ctx.con.stream(`SELECT ${RID}, CAST(${sqlIdent(s.column)} AS VARCHAR) FROM cur ORDER BY ${RID}`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const ids = chunk.getColumnValues(0);
    const tx = chunk.getColumnValues(1);
    for (let i = 0; i < chunk.rowCount; i++) {
      rids.push(Number(ids[i]));
      texts.push((tx[i] as string | null) ?? '');
    }
  }
  const r = minhashDedup(texts, { threshold: s.threshold, shingle: s.shingle, perms: s.perms, bands: s.bands, seed: ctx.seed });
  await run(ctx, `CREATE OR REPLACE TABLE keep_rid (${RID} BIGINT)`);
  const app = await ctx.con.createAppender('keep_rid');
  for (const i of r.kept) {
    app.appendBigInt(BigInt(rids[i]!));
    app.endRow();
  }
  app.closeSync();
  await run(ctx, `CREATE TABLE next AS SELECT * FROM cur SEMI JOIN keep_rid USING (${RID})`);
  await run(ctx, 'DROP TABLE keep_rid');
  return { droppedColumns: [], notes: [`MinHash ${s.perms} hashes, LSH ${s.bands} bands, ${s.shingle}-word shingles, Jaccard >= ${s.threshold}: ${r.candidates} candidate pairs, ${texts.length - r.kept.length} texts joined a cluster`] };
}

export async function featuresStep(ctx: StepContext, s: StepSpecs['features']): Promise<StepOutcome> {
  const label = ctx.labelCol!;
  const all = await dataColumns(ctx);
  const dir = await mkdtemp(join(ctx.work, 'features-'));
  try {
    const sample = join(dir, 'sample.parquet');
    await run(ctx, `COPY (SELECT * EXCLUDE (${RID}) FROM cur ORDER BY ${seededOrder(ctx.seed)} LIMIT ${s.sampleRows}) TO ${sqlString(sample)} (FORMAT parquet)`);
    const { readTabular } = await import('../tabular/index.js');
    const { trainGbdt, featureImportance } = await import('../../models/gbdt/index.js');
    const ds = await readTabular(sample, { labelCol: label, onInfinite: 'missing' });
    const model = await trainGbdt(ds, { nTrees: 50, seed: ctx.seed });
    const imp = featureImportance(model);
    const keep: string[] = [];
    let cum = 0;
    for (const f of imp) {
      if (s.count !== undefined ? keep.length >= s.count : cum >= s.share! - 1e-12) break;
      keep.push(f.name);
      cum += f.share;
    }
    const drop = all.map((c) => c.name).filter((n) => !keep.includes(n));
    const out = await dropColumns(ctx, drop);
    out.notes.push(`GBDT gain on ${ds.labels.length} rows (50 trees): kept ${keep.map((k) => `${k} ${(100 * imp.find((f) => f.name === k)!.share).toFixed(1)}%`).join(', ')}`);
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bytes per value of the types narrowing considers (DECIMAL and the rest count as 8). */
const SIZE: Record<string, number> = { TINYINT: 1, SMALLINT: 2, INTEGER: 4, FLOAT: 4, BIGINT: 8, DOUBLE: 8, UBIGINT: 8, UINTEGER: 4, USMALLINT: 2, HUGEINT: 16 };
const INT_TYPES: [string, number, number][] = [['TINYINT', -128, 127], ['SMALLINT', -32768, 32767], ['INTEGER', -2147483648, 2147483647]];

export async function compactStep(ctx: StepContext, s: StepSpecs['compact']): Promise<StepOutcome> {
  const cols = (await describe(ctx.con, 'cur')).filter((c) => c.name !== RID);
  const casts: string[] = [];
  const notes: string[] = [];
  for (const c of cols) {
    const id = sqlIdent(c.name);
    let to: string | null = null;
    if (/^(BIGINT|INTEGER|SMALLINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|DOUBLE|FLOAT|DECIMAL.*)$/.test(c.type)) {
      const r = (await queryObjects(ctx.con, `SELECT min(${id})::DOUBLE AS lo, max(${id})::DOUBLE AS hi, bool_and(${id}::DOUBLE = round(${id}::DOUBLE)) AS whole,
        max(abs(${id}::DOUBLE - ${id}::FLOAT::DOUBLE) / greatest(abs(${id}::DOUBLE), 1e-30)) AS rel FROM cur`))[0]!;
      if (r.lo !== null) {
        const lo = Number(r.lo);
        const hi = Number(r.hi);
        const intType = r.whole ? INT_TYPES.find(([, a, b]) => lo >= a && hi <= b)?.[0] : undefined;
        if (intType && SIZE[intType]! < (SIZE[c.type] ?? 8)) to = intType;
        else if (!r.whole && (SIZE[c.type] ?? 8) > 4 && Number(r.rel) <= s.tolerance) to = 'FLOAT';
      }
    }
    if (to) {
      casts.push(`CAST(${id} AS ${to}) AS ${id}`);
      notes.push(`${c.name} ${c.type} -> ${to}`);
    } else casts.push(id);
  }
  await run(ctx, `CREATE TABLE next AS SELECT ${RID}, ${casts.join(', ')} FROM cur`);
  notes.push(`tolerance ${s.tolerance} (relative); text columns dictionary-encoded and everything zstd-compressed by the Parquet writer`);
  return { droppedColumns: [], notes };
}

async function classCounts(ctx: StepContext): Promise<{ value: string | null; n: number }[]> {
  const id = sqlIdent(ctx.labelCol!);
  const rows = await queryObjects(ctx.con, `SELECT CAST(${id} AS VARCHAR) AS v, count(*) AS n FROM cur GROUP BY ${id} ORDER BY n DESC`);
  return rows.map((r) => ({ value: r.v === null ? null : String(r.v), n: Number(r.n) }));
}

function quotaCase(ctx: StepContext, quota: Map<string | null, number>): string {
  const id = `CAST(${sqlIdent(ctx.labelCol!)} AS VARCHAR)`;
  const whens = [...quota].filter(([v]) => v !== null).map(([v, q]) => `WHEN ${id} = ${sqlString(v!)} THEN ${q}`);
  return `CASE ${whens.join(' ')} ELSE ${quota.get(null) ?? 0} END`;
}

export async function rebalanceStep(ctx: StepContext, s: StepSpecs['rebalance']): Promise<StepOutcome> {
  const counts = await classCounts(ctx);
  if (counts.length < 2) fail(ctx.where, `label column "${ctx.labelCol}" has only one class (${counts[0]?.value ?? 'none'}): nothing to rebalance`);
  const minority = Math.min(...counts.map((c) => c.n));
  const cap = Math.floor(s.ratio * minority);
  const quota = new Map(counts.map((c) => [c.value, Math.min(c.n, cap)]));
  await run(ctx, `CREATE TABLE next AS SELECT * FROM cur QUALIFY row_number() OVER (PARTITION BY ${sqlIdent(ctx.labelCol!)} ORDER BY ${seededOrder(ctx.seed)}) <= ${quotaCase(ctx, quota)}`);
  return { droppedColumns: [], notes: [`each class at most ${s.ratio} x the smallest (${minority}): ${counts.map((c) => `${c.value} ${c.n} -> ${quota.get(c.value)}`).join(', ')}`] };
}

export async function sampleStep(ctx: StepContext, s: StepSpecs['sample']): Promise<StepOutcome> {
  const counts = await classCounts(ctx);
  const total = counts.reduce((a, c) => a + c.n, 0);
  // Largest remainder, at least one row of each class present: the shares stay as they were.
  const exact = counts.map((c) => (s.rows * c.n) / total);
  const quota = counts.map((c, i) => Math.min(c.n, Math.max(1, Math.floor(exact[i]!))));
  let left = Math.min(s.rows, total) - quota.reduce((a, b) => a + b, 0);
  const order = counts.map((_, i) => i).sort((a, b) => (exact[b]! - Math.floor(exact[b]!)) - (exact[a]! - Math.floor(exact[a]!)));
  for (const i of order) if (left > 0 && quota[i]! < counts[i]!.n) { quota[i]!++; left--; }
  const q = new Map(counts.map((c, i) => [c.value, quota[i]!]));
  await run(ctx, `CREATE TABLE next AS SELECT * FROM cur QUALIFY row_number() OVER (PARTITION BY ${sqlIdent(ctx.labelCol!)} ORDER BY ${seededOrder(ctx.seed)}) <= ${quotaCase(ctx, q)}`);
  return { droppedColumns: [], notes: [s.rows >= total ? `${s.rows} >= ${total} rows: all kept` : `stratified: ${counts.map((c) => `${c.value} ${c.n} -> ${q.get(c.value)}`).join(', ')}`] };
}

export async function runStep(ctx: StepContext, step: PlanStep): Promise<StepOutcome> {
  switch (step.step) {
    case 'filter': return filterStep(ctx, step);
    case 'outliers': return outliersStep(ctx, step);
    case 'variance': return varianceStep(ctx, step);
    case 'correlation': return correlationStep(ctx, step);
    case 'missing': return missingStep(ctx, step);
    case 'dedup': return dedupStep(ctx, step);
    case 'nearDedup': return nearDedupStep(ctx, step);
    case 'textDedup': return textDedupStep(ctx, step);
    case 'features': return featuresStep(ctx, step);
    case 'compact': return compactStep(ctx, step);
    case 'rebalance': return rebalanceStep(ctx, step);
    case 'sample': return sampleStep(ctx, step);
  }
}
