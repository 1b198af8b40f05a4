/**
 * `verde data minimise`: run a declared plan of steps over a file in DuckDB, each step measured
 * (rows, columns and zstd Parquet bytes before -> after, seconds, energy from a meter span) and
 * audited (a sample of up to 1000 removed rows, or the removed columns, in removed/<step>.parquet).
 * The output directory is assembled aside and renamed into place: on any error it is untouched.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../../util/errors.js';
import { checkNumber } from '../../util/flags.js';
import { DEFAULT_QUALITY_BUDGET, QUALITY_BUDGET_BOUNDS } from './quality-budget.js';
import { writeDirAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { sqlIdent, sqlString } from '../../util/sql.js';
import { Tracker, type EnergyReport } from '../../meter/index.js';
import { checkFile, describe, duckMessage, openDuck, queryObjects, sourceSql, type DuckCon } from '../profile/index.js';
import { RID, runStep, type StepContext } from './steps.js';
import type { Plan, PlanStep } from './plan.js';
import type { EvaluatorSpec, BudgetMetric, Quality } from './evaluate.js';
import type { LinearTextEvalOptions } from './evaluate-text.js';

export interface MinimiseOptions {
  input: string;
  outDir: string;
  plan: Plan;
  /**
   * Train verde's default model for the data on the original and on the minimised training rows
   * (needs plan.labelCol): the GBDT for tabular data, the linear text model for text data (plan.textCol).
   */
  evaluate?: boolean;
  /** The linear text model's settings when the data is text (epochs, hash dimension). */
  textModel?: LinearTextEvalOptions;
  /** Another judge instead of the default for the data (tests, other models). */
  evaluator?: EvaluatorSpec;
  /** Largest quality drop a step may cause before it is flagged (default 0.01): ROC-AUC for tabular data, accuracy for text. */
  qualityBudget?: number;
  /** DuckDB memory limit (default 1GB): beyond it DuckDB spills to the work directory. */
  memoryLimit?: string;
  log?: (line: string) => void;
}

export interface StepReport {
  index: number;
  step: PlanStep['step'];
  rows: { before: number; after: number };
  columns: { before: number; after: number };
  /** zstd Parquet bytes of the data before and after the step. */
  bytes: { before: number; after: number };
  seconds: number;
  energyJ: number;
  energyMethod: string;
  droppedColumns: string[];
  /** File (relative to the output directory) with up to 1000 removed rows or the removed columns. */
  removedSample?: string;
  notes: string[];
  quality?: Quality;
  /** Quality lost by this step in the evaluator's metric (previous minus this); flagged when above the budget. */
  qualityDrop?: number;
  overBudget?: boolean;
  /** The step left every row and the columns the model reads as they were: quality carried over, no retraining. */
  carriedOver?: boolean;
}

export interface MinimiseResult {
  input: string;
  output: string;
  plan: Plan;
  source: { rows: number; columns: number; bytesAsRead: number; bytesZstdParquet: number };
  steps: StepReport[];
  final: { rows: number; columns: number; bytes: number };
  /** The meter's report of the steps (one span per step; evaluation trainings are measured apart). */
  energy: EnergyReport;
  evaluate?: { testRows: number; model: string; metric: BudgetMetric; budget: number; original: Quality; minimised: Quality; flagged: string[] };
  seconds: number;
}

async function countRows(con: DuckCon, t: string): Promise<number> {
  return Number((await queryObjects(con, `SELECT count(*) AS n FROM ${t}`))[0]!.n);
}

/** Write table `t` (without the row id) as zstd Parquet; returns its size. */
async function toParquet(con: DuckCon, t: string, path: string): Promise<number> {
  // In input order: steps that regroup rows (dedup windows) would otherwise change the bytes by reordering alone.
  await con.run(`COPY (SELECT * EXCLUDE (${RID}) FROM ${t} ORDER BY ${RID}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  return (await stat(path)).size;
}

/** Columns a step names, for the check against the input before anything runs. */
function namedColumns(s: PlanStep): string[] {
  switch (s.step) {
    case 'outliers': case 'dedup': case 'nearDedup': return s.columns ?? [];
    case 'textDedup': return [s.column];
    default: return [];
  }
}

export async function runMinimise(opts: MinimiseOptions): Promise<MinimiseResult> {
  const t0 = performance.now();
  const { plan, input } = opts;
  const log = opts.log ?? (() => {});
  const budget = opts.qualityBudget ?? DEFAULT_QUALITY_BUDGET;
  checkNumber('--quality-budget', budget, QUALITY_BUDGET_BOUNDS);
  if (opts.evaluate && !plan.labelCol) fail('--evaluate', 'needs --label-col (the column to predict)');
  // Text data is judged by the text model, not by a GBDT on some encoding of the texts.
  const evaluator: EvaluatorSpec = opts.evaluator ?? (plan.textCol !== undefined
    ? (await import('./evaluate-text.js')).linearTextEvaluator(plan.textCol, opts.textModel)
    : (await import('./evaluate.js')).GBDT_EVALUATOR);
  const { bytes: bytesAsRead, format } = await checkFile(input);
  return writeDirAtomic(opts.outDir, async (dir) => {
    const work = join(dir, '.work');
    await mkdir(work, { recursive: true });
    await mkdir(join(dir, 'removed'), { recursive: true });
    const { con, close } = await openDuck(join(work, 'minimise.duckdb'), { tempDir: work, memoryLimit: opts.memoryLimit });
    try {
      try {
        await con.run(`CREATE TABLE src AS SELECT row_number() OVER () AS ${RID}, * FROM ${sourceSql(input)}`);
      } catch (err) {
        fail(input, `cannot read as ${format.toUpperCase()} (${duckMessage(err)})`);
      }
      const cols = (await describe(con, 'src')).filter((c) => c.name !== RID);
      if ((await describe(con, 'src')).filter((c) => c.name === RID).length > 1) fail(input, `has a column named ${RID}, which verde uses for row numbers`);
      const total = await countRows(con, 'src');
      if (total === 0) fail(input, 'has no data rows');
      const names = cols.map((c) => c.name);
      const known = (n: string) => names.includes(n);
      if (plan.labelCol !== undefined && !known(plan.labelCol)) fail('--label-col', `no column "${plan.labelCol}" in ${input} (columns: ${names.join(', ')})`);
      if (plan.textCol !== undefined && !known(plan.textCol)) fail('--text-col', `no column "${plan.textCol}" in ${input} (columns: ${names.join(', ')})`);
      plan.steps.forEach((s, i) => {
        for (const n of namedColumns(s)) if (!known(n)) fail(`plan: step ${i + 1} (${s.step})`, `no column "${n}" in ${input} (columns: ${names.join(', ')})`);
      });
      for (const [i, s] of plan.steps.entries()) {
        if (s.step !== 'filter') continue;
        try {
          await con.run(`EXPLAIN SELECT * FROM src WHERE NOT coalesce((${s.where}), false)`);
        } catch (err) {
          fail(`plan: step ${i + 1} (filter) predicate "${s.where}"`, duckMessage(err));
        }
      }
      if (plan.labelCol !== undefined) {
        const classes = await queryObjects(con, `SELECT CAST(${sqlIdent(plan.labelCol)} AS VARCHAR) AS v FROM src GROUP BY 1 LIMIT 2`);
        if (classes.length < 2) fail('--label-col', `label column "${plan.labelCol}" of ${input} has only one class (${String(classes[0]?.v ?? 'none')})`);
      }
      const testFile = join(work, 'test.parquet');
      let testRows = 0;
      if (opts.evaluate) {
        // Test rows first, stratified and seeded: every fifth row of each class in a hashed order.
        await con.run(`CREATE TABLE test AS SELECT * FROM src QUALIFY row_number() OVER (PARTITION BY ${sqlIdent(plan.labelCol!)} ORDER BY hash(${RID}, ${plan.seed})) % 5 = 0`);
        await con.run(`CREATE TABLE cur AS SELECT * FROM src ANTI JOIN test USING (${RID})`);
        testRows = await countRows(con, 'test');
        await toParquet(con, 'test', testFile);
        await con.run('DROP TABLE test');
      } else {
        await con.run('CREATE TABLE cur AS SELECT * FROM src');
      }
      await con.run('DROP TABLE src');
      let rows = await countRows(con, 'cur');
      let ncols = cols.length;
      let file = join(work, 'step-0.parquet');
      let bytes = await toParquet(con, 'cur', file);
      const inputZstd = bytes;
      let quality: Quality | undefined;
      let original: Quality | undefined;
      let positive: string | undefined;
      if (opts.evaluate) {
        log(`evaluate: ${testRows} test rows held out; training ${evaluator.model} on the ${rows} original training rows`);
        const q = await evaluator.evaluate(file, testFile, plan.labelCol!, plan.seed);
        positive = q.positive;
        const { positive: _p, ...rest } = q;
        quality = original = rest;
      }
      const tracker = new Tracker({ scope: 'process', projectName: 'verde-data-minimise' });
      await tracker.start();
      const steps: StepReport[] = [];
      let energy: EnergyReport | undefined;
      const used = new Map<string, number>();
      try {
        for (const [i, s] of plan.steps.entries()) {
          const where = `step ${i + 1} (${s.step})`;
          log(`${where} of ${plan.steps.length}: rows ${rows}, columns ${ncols}`);
          const ctx: StepContext = { con, labelCol: plan.labelCol, seed: plan.seed, where, work };
          const typesBefore = opts.evaluate ? await describe(con, 'cur') : [];
          const span = tracker.startSpan(`data: ${s.step}`);
          const ts = performance.now();
          const out = await runStep(ctx, s);
          const seconds = (performance.now() - ts) / 1000;
          const energy = await span.end();
          const after = await countRows(con, 'next');
          if (after === 0) fail(where, `removed every row: the result would be empty${s.step === 'filter' ? ` (predicate ${s.where})` : ''}`);
          const n = (used.get(s.step) ?? 0) + 1;
          used.set(s.step, n);
          const sampleName = `removed/${s.step}${n > 1 ? `-${n}` : ''}.parquet`;
          let removedSample: string | undefined;
          if (after < rows) {
            await con.run(`COPY (SELECT ${RID} AS input_row, * EXCLUDE (${RID}) FROM cur ANTI JOIN next USING (${RID}) ORDER BY ${RID} LIMIT 1000) TO ${sqlString(join(dir, sampleName))} (FORMAT parquet, COMPRESSION zstd)`);
            removedSample = sampleName;
          } else if (out.droppedColumns.length) {
            await con.run(`COPY (SELECT ${RID} AS input_row, ${out.droppedColumns.map(sqlIdent).join(', ')} FROM cur ORDER BY ${RID} LIMIT 1000) TO ${sqlString(join(dir, sampleName))} (FORMAT parquet, COMPRESSION zstd)`);
            removedSample = sampleName;
          }
          await con.run('DROP TABLE cur');
          await con.run('ALTER TABLE next RENAME TO cur');
          const nextFile = join(work, `step-${i + 1}.parquet`);
          const nextBytes = await toParquet(con, 'cur', nextFile);
          const nextCols = (await describe(con, 'cur')).length - 1;
          const report: StepReport = {
            index: i + 1, step: s.step, rows: { before: rows, after }, columns: { before: ncols, after: nextCols },
            bytes: { before: bytes, after: nextBytes }, seconds, energyJ: energy.energyJ, energyMethod: energy.method,
            droppedColumns: out.droppedColumns, removedSample, notes: out.notes,
          };
          if (opts.evaluate) {
            const read = evaluator.reads?.(plan.labelCol!);
            const sig = (cs: { name: string; type: string }[]) => JSON.stringify(cs.filter((c) => c.name !== RID && (!read || read.includes(c.name))));
            const same = after === rows && sig(typesBefore) === sig(await describe(con, 'cur'));
            let rest: Quality;
            if (same) {
              rest = quality!;
              report.carriedOver = true;
              report.notes.push('training data for the model unchanged by this step: its quality and training energy carried over');
            } else {
              const { positive: _p, ...q } = await evaluator.evaluate(nextFile, testFile, plan.labelCol!, plan.seed, positive);
              rest = q;
            }
            report.quality = rest;
            report.qualityDrop = (quality![evaluator.metric] ?? NaN) - (rest[evaluator.metric] ?? NaN);
            report.overBudget = report.qualityDrop > budget;
            quality = rest;
          }
          steps.push(report);
          await rm(file, { force: true });
          file = nextFile;
          rows = after;
          ncols = nextCols;
          bytes = nextBytes;
        }
      } finally {
        energy = await tracker.stop();
      }
      const output = join(opts.outDir, 'minimised.parquet');
      await rename(file, join(dir, 'minimised.parquet'));
      const result: MinimiseResult = {
        input, output, plan,
        source: { rows: total, columns: cols.length, bytesAsRead, bytesZstdParquet: inputZstd },
        steps,
        final: { rows, columns: ncols, bytes },
        energy,
        seconds: (performance.now() - t0) / 1000,
      };
      if (opts.evaluate) {
        result.evaluate = { testRows, model: evaluator.model, metric: evaluator.metric, budget, original: original!, minimised: quality!, flagged: steps.filter((s) => s.overBudget).map((s) => `step ${s.index} (${s.step})`) };
      }
      await writeJsonAtomic(join(dir, 'plan.json'), plan);
      await writeJsonAtomic(join(dir, 'minimise.json'), result);
      return result;
    } finally {
      close();
      await rm(work, { recursive: true, force: true });
    }
  });
}

const mb = (b: number) => `${(b / 1e6).toFixed(3)} MB`;

/** A quality in one short phrase: the ranking metrics for two classes, macro-F1 for text. */
function qualityPhrase(q: Quality): string {
  const parts = [`accuracy ${q.accuracy.toFixed(4)}`];
  if (q.macroF1 !== undefined) parts.push(`macro-F1 ${q.macroF1.toFixed(4)}`);
  if (q.rocAuc !== undefined) parts.push(`ROC-AUC ${q.rocAuc.toFixed(4)}`);
  if (q.prAuc !== undefined) parts.push(`PR-AUC ${q.prAuc.toFixed(4)}`);
  return parts.join(', ');
}

const METRIC_NAME: Record<BudgetMetric, string> = { rocAuc: 'ROC-AUC', accuracy: 'accuracy' };

export function stepLine(s: StepReport, metric: BudgetMetric = 'rocAuc'): string {
  const v = s.quality?.[metric];
  const q = s.quality ? `  ${METRIC_NAME[metric]} ${v === undefined ? 'n/a' : v.toFixed(4)}${s.overBudget ? ' OVER BUDGET' : ''}` : '';
  return `${String(s.index).padStart(2)} ${s.step.padEnd(11)} rows ${s.rows.before} -> ${s.rows.after}  cols ${s.columns.before} -> ${s.columns.after}  ${mb(s.bytes.before)} -> ${mb(s.bytes.after)}  ${s.seconds.toFixed(2)} s  ${s.energyJ.toFixed(2)} J (${s.energyMethod})${q}`;
}

export function formatMinimise(r: MinimiseResult): string {
  const lines = [`${r.input}: ${r.source.rows} rows x ${r.source.columns} columns, ${mb(r.source.bytesAsRead)} as read, ${mb(r.source.bytesZstdParquet)} as zstd Parquet${r.evaluate ? ` (${r.evaluate.testRows} test rows held out first)` : ''}`];
  for (const s of r.steps) {
    lines.push(stepLine(s, r.evaluate?.metric));
    for (const n of s.notes) lines.push(`     ${n}`);
  }
  lines.push(`minimised: ${r.final.rows} rows x ${r.final.columns} columns, ${mb(r.final.bytes)} -> ${r.output}`);
  if (r.evaluate) {
    const e = r.evaluate;
    const text = r.plan.textCol !== undefined && e.original.macroF1 !== undefined;
    const f = (q: Quality) => `${qualityPhrase(q)}, training ${q.trainEnergyJ.toFixed(2)} J (${q.energyMethod}) in ${q.trainSeconds.toFixed(1)} s on ${q.trainRows} ${text ? 'texts' : `rows x ${q.features} features`}`;
    lines.push(`evaluate (${e.model}, same ${e.testRows} test rows):`);
    lines.push(`  original:  ${f(e.original)}`);
    lines.push(`  minimised: ${f(e.minimised)}`);
    const saved = e.original.trainEnergyJ > 0 ? ` (training energy x${(e.minimised.trainEnergyJ / e.original.trainEnergyJ).toFixed(2)})` : '';
    lines.push(`  ${METRIC_NAME[e.metric]} ${(e.original[e.metric] ?? NaN).toFixed(4)} -> ${(e.minimised[e.metric] ?? NaN).toFixed(4)}, training ${e.original.trainEnergyJ.toFixed(2)} J -> ${e.minimised.trainEnergyJ.toFixed(2)} J${saved}`);
    lines.push(e.flagged.length ? `  over the quality budget (${METRIC_NAME[e.metric]} drop > ${e.budget}): ${e.flagged.join(', ')}` : `  no step lost more than ${e.budget} ${METRIC_NAME[e.metric]}`);
  }
  return lines.join('\n');
}
