/**
 * Any CSV or Parquet file with a label column -> a numeric matrix for the GBDT (and the MLP):
 * numeric features as float32 (missing = NaN), categorical features as the index of their category
 * (most frequent first; missing/unknown = NaN), and 0/1 labels.
 *
 * Labels: two distinct values are required. The positive class is `positive` when given; otherwise
 * 1 for 0/1 labels, true for true/false, and the minority class for anything else (fraud, spam).
 * Missing values: empty, NA, N/A, NaN, null, None, ?, - read as missing in any column; a missing
 * label is an error. Infinite values (Inf, -Infinity, or beyond float32) are an error unless
 * onInfinite is 'missing'. A few text values in an otherwise numeric column are an error naming the
 * line (declare the column in `categorical` if it is really text); a text column with more than
 * 1000 distinct values is identifier-like and dropped (listed in report.dropped).
 */
import { fail } from '../../util/errors.js';
import { exists } from '../../util/atomic.js';
import type { FeatureSpec, TabularDataset } from '../../tabular/dataset.js';
import { ColumnAccumulator, MAX_CATEGORIES } from './columns.js';
import { readCsvRecords } from './csv.js';

export interface TabularSchema {
  features: FeatureSpec[];
  labelCol: string;
  /** [negative, positive] label values as they appear in the file. */
  labels: [string, string];
}

export interface TabularReadOptions {
  /** Name of the label column (required). */
  labelCol: string;
  /** Label value of the positive class (default: see the module comment). */
  positive?: string;
  /** Columns to ignore (ids, timestamps). */
  exclude?: string[];
  /** Columns to treat as categorical even if their values look numeric. */
  categorical?: string[];
  /** Encode like an earlier read (same features, same categories, same labels): for validation/test files. */
  schema?: TabularSchema;
  /** What to do with ±Infinity in numeric columns: 'error' (default) or 'missing'. */
  onInfinite?: 'error' | 'missing';
  /** Format; default from the extension (.parquet / .pq, else CSV). */
  format?: 'csv' | 'parquet';
}

export interface TabularReport {
  rows: number;
  positives: number;
  missingByFeature: Record<string, number>;
  infiniteByFeature: Record<string, number>;
  unknownCategoriesByFeature: Record<string, number>;
  dropped: { column: string; reason: string }[];
}

export interface TabularFile extends TabularDataset {
  schema: TabularSchema;
  source: string;
  report: TabularReport;
}

export async function readTabular(path: string, opts: TabularReadOptions): Promise<TabularFile> {
  if (!opts.labelCol) fail('--label-col', 'a label column name is required');
  if (!(await exists(path))) fail(path, 'file not found');
  const format = opts.format ?? (/\.(parquet|pq)$/i.test(path) ? 'parquet' : 'csv');
  const acc: ColumnAccumulator[] = [];
  const makeColumns = (names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) fail(path, `column "${n}" appears twice in the header`);
      seen.add(n);
      acc.push(new ColumnAccumulator(n));
    }
    if (!seen.has(opts.labelCol)) fail(path, `label column "${opts.labelCol}" not found (columns: ${names.join(', ')})`);
  };
  let header: string[];
  if (format === 'csv') {
    header = await readCsvRecords(path, makeColumns, (fields, line) => {
      for (let i = 0; i < fields.length; i++) acc[i]!.push(fields[i]!, line);
    });
  } else {
    const { readParquetColumns } = await import('./parquet.js');
    header = await readParquetColumns(path, (names) => { makeColumns(names); return acc; });
  }
  return assemble(path, format, header, acc, opts);
}

/** Category order: most frequent first (ties: first seen), so the GBDT's 254 bins go to the common ones. */
function categoryOrder(a: ColumnAccumulator): string[] {
  const counts = new Int32Array(a.dictionary.size);
  for (let i = 0; i < a.n; i++) if (a.codes[i]! >= 0) counts[a.codes[i]!]++;
  const names = [...a.dictionary.keys()];
  return names.map((name, code) => ({ name, code, count: counts[code]! }))
    .sort((x, y) => y.count - x.count || x.code - y.code)
    .map((e) => e.name);
}

function encodeCategorical(a: ColumnAccumulator, categories: string[]): { values: Float32Array; unknown: number } {
  const index = new Map(categories.map((c, i) => [c, i]));
  const remap = new Float32Array(a.dictionary.size).fill(NaN);
  const unknownCodes = new Set<number>();
  for (const [name, code] of a.dictionary) {
    const i = index.get(name);
    if (i === undefined) unknownCodes.add(code);
    else remap[code] = i;
  }
  const values = new Float32Array(a.n);
  let unknown = 0;
  for (let r = 0; r < a.n; r++) {
    const c = a.codes[r]!;
    values[r] = c >= 0 ? remap[c]! : NaN;
    if (c >= 0 && unknownCodes.has(c)) unknown++;
  }
  return { values, unknown };
}

function resolveLabels(path: string, a: ColumnAccumulator, opts: TabularReadOptions): [string, string] {
  if (opts.schema) return opts.schema.labels;
  if (a.tooManyCategories) fail(path, `label column "${a.name}" has more than ${MAX_CATEGORIES} distinct values (binary classification needs two)`);
  const counts = new Map<string, number>();
  for (const [name] of a.dictionary) counts.set(name, 0);
  const names = [...a.dictionary.keys()];
  for (let i = 0; i < a.n; i++) counts.set(names[a.codes[i]!]!, counts.get(names[a.codes[i]!]!)! + 1);
  if (names.length < 2) fail(path, `label column "${a.name}" has only one class (${names[0] ?? 'none'}): need two to train a classifier`);
  if (names.length > 2) fail(path, `label column "${a.name}" has ${names.length} classes (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}): only binary labels are supported`);
  if (opts.positive !== undefined) {
    if (!counts.has(opts.positive)) fail('--positive', `"${opts.positive}" is not a value of label column "${a.name}" (values: ${names.join(', ')})`);
    return [names.find((n) => n !== opts.positive)!, opts.positive];
  }
  const lower = names.map((n) => n.toLowerCase());
  const asNumbers = names.map(Number);
  if (asNumbers.every((v) => v === 0 || v === 1)) return asNumbers[0] === 1 ? [names[1]!, names[0]!] : [names[0]!, names[1]!];
  if (lower.includes('true') && lower.includes('false')) return lower[0] === 'true' ? [names[1]!, names[0]!] : [names[0]!, names[1]!];
  const [x, y] = names as [string, string];
  // Minority is positive (ties: the one sorting later).
  const cx = counts.get(x)!;
  const cy = counts.get(y)!;
  if (cx < cy || (cx === cy && x > y)) return [y, x];
  return [x, y];
}

function assemble(path: string, format: 'csv' | 'parquet', header: string[], acc: ColumnAccumulator[], opts: TabularReadOptions): TabularFile {
  const at = (row: number) => (format === 'csv' ? `line ${row}` : `row ${row}`);
  const labelAcc = acc[header.indexOf(opts.labelCol)]!;
  const n = labelAcc.n;
  if (n === 0) fail(path, 'no data rows');
  if (labelAcc.missing > 0) fail(path, `${at(labelAcc.firstMissingRow)}: label column "${opts.labelCol}" is empty/missing (${labelAcc.missing} rows)`);
  const labelsPair = resolveLabels(path, labelAcc, opts);
  const labelNames = [...labelAcc.dictionary.keys()];
  const labels = new Uint8Array(n);
  let positives = 0;
  for (let r = 0; r < n; r++) {
    const name = labelNames[labelAcc.codes[r]!]!;
    if (name === labelsPair[1]) {
      labels[r] = 1;
      positives++;
    } else if (name !== labelsPair[0]) {
      fail(path, `label "${name}" in column "${opts.labelCol}" is neither "${labelsPair[0]}" nor "${labelsPair[1]}" (the training labels)`);
    }
  }
  const report: TabularReport = { rows: n, positives, missingByFeature: {}, infiniteByFeature: {}, unknownCategoriesByFeature: {}, dropped: [] };
  const exclude = new Set(opts.exclude ?? []);
  const forcedCat = new Set(opts.categorical ?? []);
  for (const c of [...exclude, ...forcedCat]) if (!header.includes(c)) fail(path, `column "${c}" (named in options) not found`);
  const byName = new Map(header.map((h, i) => [h, acc[i]!]));
  const features: FeatureSpec[] = [];
  const columns: Float32Array[] = [];

  const numericColumn = (a: ColumnAccumulator): Float32Array => {
    if (a.nonNumeric > 0) {
      const bad = a.firstNonNumeric!;
      fail(path, `${at(bad.row)}: column "${a.name}" value "${bad.value}" is not a number (${a.nonNumeric} such values; the column is otherwise numeric; fix the value, leave it empty for missing, or declare the column categorical)`);
    }
    if (a.infinite > 0) {
      if ((opts.onInfinite ?? 'error') === 'error') fail(path, `${at(a.firstInfiniteRow)}: column "${a.name}" has an infinite value (${a.infinite} in all; use onInfinite 'missing' to read them as missing)`);
      report.infiniteByFeature[a.name] = a.infinite;
      const v = a.values.slice(0, a.n);
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) v[i] = NaN;
      return v;
    }
    return a.values.slice(0, a.n);
  };

  if (opts.schema) {
    for (const f of opts.schema.features) {
      const a = byName.get(f.name);
      if (!a) fail(path, `feature column "${f.name}" (from the training data) not found`);
      if (f.type === 'numeric') columns.push(numericColumn(a));
      else {
        const { values, unknown } = encodeCategorical(a, f.categories ?? []);
        columns.push(values);
        if (unknown > 0) report.unknownCategoriesByFeature[f.name] = unknown;
      }
      features.push({ ...f });
      if (a.missing > 0) report.missingByFeature[f.name] = a.missing;
    }
  } else {
    for (const name of header) {
      if (name === opts.labelCol || exclude.has(name)) continue;
      const a = byName.get(name)!;
      if (a.missing === a.n) {
        report.dropped.push({ column: name, reason: 'all values missing' });
        continue;
      }
      const nonMissing = a.n - a.missing;
      const textShare = a.nonNumeric / nonMissing;
      const categorical = forcedCat.has(name) || (a.nonNumeric > 0 && textShare >= 0.5);
      if (categorical) {
        if (a.tooManyCategories) {
          if (forcedCat.has(name)) fail(path, `column "${name}" has more than ${MAX_CATEGORIES} distinct values and cannot be categorical`);
          report.dropped.push({ column: name, reason: `more than ${MAX_CATEGORIES} distinct text values (identifier-like)` });
          continue;
        }
        const categories = categoryOrder(a);
        columns.push(encodeCategorical(a, categories).values);
        features.push({ name, type: 'categorical', categories });
      } else {
        columns.push(numericColumn(a));
        features.push({ name, type: 'numeric' });
      }
      if (a.missing > 0) report.missingByFeature[name] = a.missing;
    }
    if (features.length === 0) fail(path, 'no feature columns left besides the label');
  }
  return {
    features,
    columns,
    labels,
    schema: { features, labelCol: opts.labelCol, labels: labelsPair },
    source: path,
    report,
  };
}
