/**
 * The case's data: generated card transactions (home institution plus drifted other institutions)
 * run through the DuckDB data stage, or a user's CSV/Parquet file with a label column. Either way
 * the result is train/validation/test splits in time (or file) order, encoded with one schema so
 * every model and every technique sees the same features and the same held-out rows.
 */
import { join } from 'node:path';
import { writeTransactions, LABEL_COLUMN } from '../../data/transactions/index.js';
import { runDataStage, type StageResult } from '../../data/stage/index.js';
import { readTabular, type TabularFile, type TabularSchema } from '../../data/tabular/index.js';
import { fail } from '../../util/errors.js';
import type { CaseData, FraudCaseOptionsResolved, Split } from './context.js';
import { metered, type MeterContext } from './energy.js';
import type { DatasetResult } from './results.js';
import { positives, splitFromColumns, takeSplit } from './splits.js';
import { seededRandom } from '../../util/random.js';

function toSplit(ds: TabularFile): Split {
  return splitFromColumns(ds.features, ds.columns, ds.labels);
}

async function readStageSplits(stage: StageResult, schema?: TabularSchema): Promise<{ train: TabularFile; valid: TabularFile; test: TabularFile }> {
  const base = { labelCol: stage.labelCol, exclude: stage.nonFeatureColumns, onInfinite: 'missing' as const };
  const train = await readTabular(stage.files.train, { ...base, schema });
  const s = schema ?? train.schema;
  return { train, valid: await readTabular(stage.files.valid, { ...base, schema: s }), test: await readTabular(stage.files.test, { ...base, schema: s }) };
}

function stageDataset(name: string, source: string, stage: StageResult, rows: number, pos: number): DatasetResult {
  return {
    name,
    source,
    rows,
    positives: pos,
    csvBytes: stage.storage.featuresCsvBytes,
    parquetBytes: stage.storage.featuresParquetBytes,
    steps: stage.steps.map((s) => ({ name: s.name, rowsBefore: s.rowsBefore, rowsAfter: s.rowsAfter, fraudRowsBefore: s.fraudRowsBefore, fraudRowsAfter: s.fraudRowsAfter, bytesBefore: s.bytesBefore, bytesAfter: s.bytesAfter })),
    notes: [`raw: CSV ${stage.storage.rawCsvBytes} bytes vs zstd Parquet ${stage.storage.rawParquetBytes} bytes; time-ordered split, validation from ${stage.split.validFrom}, test from ${stage.split.testFrom}`],
  };
}

/** How many other institutions to generate: federated wants clients - 1, transfer wants one. */
function otherInstitutions(o: FraudCaseOptionsResolved): number {
  const fed = o.skip.has('federated') ? 0 : Math.max(0, o.clients - 1);
  const transfer = o.skip.has('transfer') ? 0 : 1;
  return Math.max(fed, transfer);
}

export async function prepareGeneratedData(o: FraudCaseOptionsResolved, meter: MeterContext, scratch: string, log: (l: string) => void): Promise<CaseData> {
  const input = join(scratch, 'transactions.csv');
  const gen = await metered(meter, () => writeTransactions(input, { rows: o.rows, seed: o.seed, institution: 0 }, { progressLabel: 'fraud: generate transactions' }));
  log(`generated ${gen.result.stats.rows} transactions (${gen.result.stats.fraudRows} fraud, ${gen.result.stats.exactDuplicates} exact + ${gen.result.stats.nearDuplicates} near duplicates), ${gen.result.bytes} bytes CSV`);
  const green = await metered(meter, () => runDataStage({ input, outDir: join(scratch, 'stage'), threads: o.threads, log: (l) => log(`data stage: ${l}`) }));
  const sets = await readStageSplits(green.result);
  const schema = sets.train.schema;
  const data: CaseData = {
    features: sets.train.features,
    labels: ['legit', 'fraud'],
    train: toSplit(sets.train),
    valid: toSplit(sets.valid),
    test: toSplit(sets.test),
    datasets: [stageDataset('transactions-home', `generated: ${o.rows} rows, seed ${o.seed}, institution 0`, green.result, sets.train.labels.length + sets.valid.labels.length + sets.test.labels.length, sets.train.report.positives + sets.valid.report.positives + sets.test.report.positives)],
    splitHow: `time-ordered (data stage): train ${green.result.split.trainRows}, validation from ${green.result.split.validFrom}, test from ${green.result.split.testFrom}`,
  };
  if (!o.skip.has('minimisation')) {
    // The plain counterpart keeps every row: no rule filter, no dedup of any kind.
    const plain = await metered(meter, () => runDataStage({ input, outDir: join(scratch, 'stage-plain'), filter: false, dedup: false, threads: o.threads }));
    const plainTrain = await readTabular(plain.result.files.train, { labelCol: plain.result.labelCol, exclude: plain.result.nonFeatureColumns, onInfinite: 'missing', schema });
    data.rawTrain = toSplit(plainTrain);
    const last = (r: StageResult) => r.steps[r.steps.length - 1];
    const fraudDropped = (r: StageResult, names: string[]) => r.steps.filter((s) => names.includes(s.name)).reduce((n, s) => n + s.fraudRowsBefore - s.fraudRowsAfter, 0);
    data.minimisation = {
      rawRows: last(plain.result).rowsAfter,
      keptRows: last(green.result).rowsAfter,
      fraudRowsDroppedByRule: fraudDropped(green.result, ['filter']),
      fraudRowsDroppedByDedup: fraudDropped(green.result, ['exactDedup', 'nearDedup']),
      rawCsvBytes: green.result.storage.rawCsvBytes,
      rawCsvAsParquetBytes: green.result.storage.rawParquetBytes,
      featuresParquetBytes: green.result.storage.featuresParquetBytes,
      plainFeaturesParquetBytes: plain.result.storage.featuresParquetBytes,
      stageEnergyJ: green.energyJ,
      plainStageEnergyJ: plain.energyJ,
      stageMethod: green.method,
      notes: [
        `rule filter: ${green.result.filterRule}; exact duplicates hashed out and near duplicates consolidated (120 s window) vs every row kept`,
        `plain stage split: validation from ${plain.result.split.validFrom}, test from ${plain.result.split.testFrom}; both models are scored on the filtered stage's test rows (what reaches the model in production)`,
      ],
    };
    data.datasets.push(stageDataset('transactions-home-unfiltered', 'same transactions, every row kept: no rule filter, no dedup', plain.result, last(plain.result).rowsAfter, last(plain.result).fraudRowsAfter));
  }
  const n = otherInstitutions(o);
  data.institutions = [];
  for (let i = 1; i <= n; i++) {
    const path = join(scratch, `institution-${i}.csv`);
    const rows = Math.max(10_000, Math.round(o.rows / 2));
    await writeTransactions(path, { rows, seed: o.seed, institution: i, drift: 0.5 }, { progressLabel: `fraud: generate institution ${i}` });
    const st = await runDataStage({ input: path, outDir: join(scratch, `stage-${i}`), threads: o.threads });
    const s = await readStageSplits(st, schema);
    data.institutions.push({ id: `institution-${i}`, train: toSplit(s.train), valid: toSplit(s.valid), test: toSplit(s.test) });
    data.datasets.push(stageDataset(`transactions-institution-${i}`, `generated: ${rows} rows, seed ${o.seed}, institution ${i}, drift 0.5`, st, s.train.labels.length + s.valid.labels.length + s.test.labels.length, s.train.report.positives + s.valid.report.positives + s.test.report.positives));
  }
  data.federatedSites = [{ id: 'home', train: data.train, test: data.test }, ...data.institutions.map((s) => ({ id: s.id, train: s.train, test: s.test }))].slice(0, o.clients);
  return data;
}

/** A user's file: read once, split 70/15/15 at random (seeded) — a file has no agreed time column. */
export async function prepareFileData(o: FraudCaseOptionsResolved, log: (l: string) => void): Promise<CaseData> {
  const file = o.dataFile!;
  if (!o.labelCol) fail('--label-col', 'is required with --data');
  const ds = await readTabular(file, { labelCol: o.labelCol, positive: o.positive, onInfinite: 'missing' });
  if (ds.features.length === 0) fail(file, 'no feature columns besides the label');
  const all = toSplit(ds);
  const n = all.y.length;
  const order = seededRandom(o.seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const nTrain = Math.floor(n * 0.7);
  const nValid = Math.floor(n * 0.15);
  const train = takeSplit(all, order.slice(0, nTrain));
  const valid = takeSplit(all, order.slice(nTrain, nTrain + nValid));
  const test = takeSplit(all, order.slice(nTrain + nValid));
  for (const [name, s] of [['training', train], ['validation', valid], ['test', test]] as const) {
    const p = positives(s.y);
    if (p === 0 || p === s.y.length) fail(file, `the ${name} split has only one class (${p} positives of ${s.y.length} rows): need more rows of the rarer class`);
  }
  log(`read ${n} rows (${ds.report.positives} positive "${ds.schema.labels[1]}"), ${ds.features.length} features from ${file}`);
  const sites = Math.max(0, o.clients - 1);
  const data: CaseData = {
    features: ds.features,
    labels: ds.schema.labels,
    train, valid, test,
    datasets: [{ name: 'file', source: file, rows: n, positives: ds.report.positives, notes: ds.report.dropped.map((d) => `dropped column ${d.column}: ${d.reason}`) }],
    splitHow: `random 70/15/15 split of the file's rows (seed ${o.seed})`,
  };
  if (sites > 0) {
    // Each site holds a contiguous slice of the training rows; they share the held-out rows (one task).
    const per = Math.floor(train.y.length / o.clients);
    data.federatedSites = Array.from({ length: o.clients }, (_, k) => ({
      id: `site-${k + 1}`,
      train: takeSplit(train, Array.from({ length: per }, (_, i) => k * per + i)),
      test: k === 0 ? test : takeSplit(test, []),
    }));
  }
  return data;
}

export { LABEL_COLUMN };
