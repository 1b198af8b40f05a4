/**
 * Active learning on a user's own pool (§1.6), `verde data select`: train verde's GBDT on the rows
 * labelled so far, score the unlabelled pool, and write the next `budget` rows to label (their row
 * id, the model's score and the order to label them in, then the pool's own columns). Label them,
 * append them to the labelled file (the row id column included) and run again: rows whose id is
 * already labelled are left out, so the loop continues where it stopped. `simulateSelection`
 * replays the loop on a fully labelled file (the fraud case's runActiveLearning) against random
 * sampling. CSV, TSV, JSON Lines, JSON or Parquet files (read by DuckDB, as-csv.ts); every problem
 * with them is one line naming the file and the column.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exists, writeFileAtomic } from '../../util/atomic.js';
import { csvCell } from '../../util/csv.js';
import { fail } from '../../util/errors.js';
import { checkNumber, checkWhole } from '../../util/flags.js';
import { seededRandom } from '../../util/random.js';
import { fitNormaliser } from '../../tabular/normaliser.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { TabularDataset } from '../../tabular/dataset.js';
import { predictProba, trainGbdt, toRowMajor, type GbdtParams } from '../../models/gbdt/index.js';
import { readCsvRecords, readTabular } from '../tabular/index.js';
import { selectBatch, type Strategy } from './strategies.js';
import { asCsv, namingOriginals } from './as-csv.js';
import { runActiveLearning, type ActiveLearningResult } from './loop.js';

/** Small trees: the labelled set is small by design, and selection retrains every round. */
export const SELECT_GBDT: Partial<GbdtParams> = { nTrees: 40, learningRate: 0.15, maxLeaves: 15, minDataInLeaf: 5, threads: 1 };
/** Columns `verde data select` adds to what it writes; never features when they come back in the labelled file. */
export const ROW_ID = 'row_id';
const ADDED = ['score', 'priority'];

export interface SelectOptions {
  pool: string;
  labelled: string;
  budget: number;
  strategy: Exclude<Strategy, 'random'> | 'random';
  labelCol: string;
  /** A column identifying pool rows (default: row_id, the row's 0-based position in the pool). */
  idCol?: string;
  out: string;
  seed?: number;
}

export interface SelectResult {
  poolRows: number;
  alreadyLabelled: number;
  candidates: number;
  labelledRows: number;
  labelledPositives: number;
  selected: { id: string; score: number }[];
  out: string;
}

async function readRaw(path: string): Promise<{ header: string[]; rows: string[][] }> {
  if (!(await exists(path))) fail(path, 'file not found');
  const rows: string[][] = [];
  const header = await readCsvRecords(path, () => undefined, (f) => { rows.push(f); });
  return { header, rows };
}

function toMatrix(ds: TabularDataset): Matrix {
  const rows = ds.labels.length;
  return { data: toRowMajor(ds.columns), rows, cols: ds.columns.length };
}

/** Run `fn` on CSV copies of `files` (CSV itself when it is one); errors name the originals. */
async function onCsv<T>(files: string[], fn: (csv: string[]) => Promise<T>): Promise<T> {
  const tmp = await mkdtemp(join(tmpdir(), 'verde-select-in-'));
  try {
    const copies = new Map<string, string>();
    const csv: string[] = [];
    for (const [i, f] of files.entries()) {
      const c = await asCsv(f, tmp, String(i));
      copies.set(c, f);
      csv.push(c);
    }
    return await namingOriginals(copies, () => fn(csv));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function selectToLabel(o: SelectOptions): Promise<SelectResult> {
  checkWhole('--budget', o.budget, 1);
  return onCsv([o.labelled, o.pool], ([labelled, pool]) => selectOnCsv({ ...o, labelled: labelled!, pool: pool! }));
}

/** The selection on CSV paths (messages naming them are rewritten to the user's files by onCsv). */
async function selectOnCsv(o: SelectOptions): Promise<SelectResult> {
  const idCol = o.idCol ?? ROW_ID;
  const lab = await readRaw(o.labelled);
  if (!lab.header.includes(o.labelCol)) fail(o.labelled, `label column "${o.labelCol}" not found (columns: ${lab.header.join(', ')})`);
  const exclude = [idCol, ...ADDED].filter((c) => lab.header.includes(c));
  const labelled = await readTabular(o.labelled, { labelCol: o.labelCol, exclude }); // one class: one line, exit 2
  const pool = await readRaw(o.pool);
  for (const f of labelled.features) if (!pool.header.includes(f.name)) fail(o.pool, `column "${f.name}" (a feature of ${o.labelled}) not found (columns: ${pool.header.join(', ')})`);
  if (o.idCol && !pool.header.includes(o.idCol)) fail(o.pool, `id column "${o.idCol}" (--id-col) not found (columns: ${pool.header.join(', ')})`);
  const idAt = pool.header.indexOf(idCol);
  const ids = pool.rows.map((r, i) => (idAt >= 0 ? r[idAt]! : String(i)));
  const labAt = lab.header.indexOf(idCol);
  const done = new Set(labAt >= 0 ? lab.rows.map((r) => r[labAt]!) : []);
  const candidates = ids.map((id, i) => (done.has(id) ? -1 : i)).filter((i) => i >= 0);
  if (o.budget > candidates.length) fail('--budget', `${o.budget} is more than the ${candidates.length} pool rows not yet labelled (${o.pool})`);

  // The pool through the labelled file's schema (same features, same categories), via a temporary
  // CSV holding the feature columns and a placeholder label the reader needs but nothing uses.
  const tmp = await mkdtemp(join(tmpdir(), 'verde-select-'));
  let poolDs: TabularDataset;
  try {
    const cols = labelled.features.map((f) => pool.header.indexOf(f.name));
    const lines = [[...labelled.features.map((f) => csvCell(f.name)), csvCell(o.labelCol)].join(',')];
    for (const r of pool.rows) lines.push([...cols.map((c) => csvCell(r[c])), csvCell(labelled.schema.labels[0])].join(','));
    await writeFileAtomic(join(tmp, 'pool.csv'), lines.join('\n') + '\n');
    poolDs = await readTabular(join(tmp, 'pool.csv'), { labelCol: o.labelCol, schema: labelled.schema, onInfinite: 'missing' });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const model = await trainGbdt(labelled, SELECT_GBDT);
  const x = toMatrix(poolDs);
  const scores = Float32Array.from(predictProba(model, x.data));
  let positives = 0;
  for (const v of labelled.labels) positives += v;
  const picked = selectBatch(o.strategy, {
    unlabelled: candidates, labelled: [], scores, labelledPositiveRate: positives / labelled.labels.length,
    pool: x, normaliser: fitNormaliser(x), rng: seededRandom(o.seed ?? 42),
  }, o.budget);
  const header = [idCol, ...ADDED, ...pool.header.filter((h) => h !== idCol)];
  const out = [header.map(csvCell).join(',')];
  picked.forEach((i, k) => out.push([ids[i], scores[i]!.toFixed(6), k + 1, ...pool.rows[i]!.filter((_, c) => c !== idAt)].map(csvCell).join(',')));
  await writeFileAtomic(o.out, out.join('\n') + '\n');
  return { poolRows: pool.rows.length, alreadyLabelled: pool.rows.length - candidates.length, candidates: candidates.length, labelledRows: labelled.labels.length, labelledPositives: positives, selected: picked.map((i) => ({ id: ids[i]!, score: scores[i]! })), out: o.out };
}

export interface SimulateOptions {
  file: string;
  labelCol: string;
  strategy: Strategy;
  /** Labels per round (and the random seed set's size). */
  budget: number;
  /** Held-out PR-AUC to reach. */
  target: number;
  /** Share of rows held out to measure PR-AUC (default 0.25). */
  testShare?: number;
  seed?: number;
  idCol?: string;
}

export interface SimulateResult {
  rows: number;
  poolRows: number;
  testRows: number;
  target: number;
  strategy: ActiveLearningResult;
  random: ActiveLearningResult;
  /** Labels the strategy needed divided by those random sampling needed (null when either never reached the target). */
  labelRatio: number | null;
}

export async function simulateSelection(o: SimulateOptions): Promise<SimulateResult> {
  checkNumber('--target', o.target, { above: 0, max: 1 });
  checkWhole('--budget', o.budget, 1);
  return onCsv([o.file], ([file]) => simulateOnCsv({ ...o, file: file! }));
}

async function simulateOnCsv(o: SimulateOptions): Promise<SimulateResult> {
  const raw = await readRaw(o.file);
  const exclude = [o.idCol ?? ROW_ID, ...ADDED].filter((c) => raw.header.includes(c));
  const ds = await readTabular(o.file, { labelCol: o.labelCol, exclude });
  const n = ds.labels.length;
  const order = seededRandom(o.seed ?? 42).shuffle(Array.from({ length: n }, (_, i) => i));
  const nTest = Math.max(1, Math.round(n * (o.testShare ?? 0.25)));
  const x = toMatrix(ds);
  const pick = (idx: number[]) => ({ x: { data: Float32Array.from(idx.flatMap((i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)))), rows: idx.length, cols: x.cols }, y: Uint8Array.from(idx.map((i) => ds.labels[i]!)) });
  const test = pick(order.slice(0, nTest));
  const pool = pick(order.slice(nTest));
  if (o.budget > pool.x.rows) fail('--budget', `${o.budget} is more than the ${pool.x.rows} rows left for the pool after holding out ${nTest} for testing`);
  const newModel = () => {
    let model: Awaited<ReturnType<typeof trainGbdt>> | undefined;
    return {
      fit: async (mx: Matrix, y: Uint8Array) => {
        const columns = ds.features.map((_, c) => Float32Array.from({ length: mx.rows }, (_, r) => mx.data[r * mx.cols + c]!));
        model = await trainGbdt({ features: ds.features, columns, labels: y }, SELECT_GBDT);
      },
      predictProba: (mx: Matrix) => Float32Array.from(predictProba(model!, mx.data)),
    };
  };
  const run = (strategy: Strategy) => runActiveLearning({ pool, test, newModel, strategy, initialLabels: o.budget, batchSize: o.budget, maxLabels: pool.x.rows, targetPrAuc: o.target, seed: o.seed ?? 42 });
  const strategy = await run(o.strategy);
  const random = await run('random');
  const labelRatio = strategy.labelsToTarget !== undefined && random.labelsToTarget !== undefined ? strategy.labelsToTarget / random.labelsToTarget : null;
  return { rows: n, poolRows: pool.x.rows, testRows: nTest, target: o.target, strategy, random, labelRatio };
}
