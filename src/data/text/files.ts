/**
 * Read a text classification table — CSV/TSV, JSON Lines/JSON or Parquet — through DuckDB, taking
 * the text and label columns the user named. Every problem is a one-line error naming the file and
 * the field: a missing or misspelt column (with the columns that do exist), a label column with one
 * class, empty text, a file that is not UTF-8.
 */
import { sqlIdent, sqlString } from '../../util/sql.js';
import { extname } from 'node:path';
import { exists } from '../../util/atomic.js';
import { fail } from '../../util/errors.js';
import { labelIds } from './labels.js';
import type { TextDataset } from './types.js';

export interface ReadTextTableOptions {
  textCol?: string;
  labelCol?: string;
  /** Map raw label values to names (e.g. IMDb's 0/1 -> neg/pos); ids still follow the sorted raw values. */
  labelNames?: Record<string, string>;
}

/** The DuckDB table function that reads `file`, chosen by extension. */
export function tableFunctionFor(file: string): string {
  const ext = extname(file.replace(/\.gz$/i, '')).toLowerCase();
  const f = sqlString(file);
  switch (ext) {
    case '.csv':
    case '.tsv':
    case '.txt':
      return `read_csv(${f}, header = true, all_varchar = true)`;
    case '.jsonl':
    case '.ndjson':
      return `read_json(${f}, format = 'newline_delimited')`;
    case '.json':
      return `read_json(${f}, format = 'auto')`;
    case '.parquet':
    case '.pq':
      return `read_parquet(${f})`;
    default:
      fail(file, `unknown file type "${ext || '(none)'}"; use .csv, .tsv, .jsonl, .json or .parquet`);
  }
}

/** One-line version of a DuckDB error about `file`. */
function duckError(file: string, err: unknown): never {
  const msg = (err as Error).message ?? String(err);
  if (/not utf-8 encoded|invalid UTF-8|invalid unicode|invalid string encoding/i.test(msg)) {
    const line = /Line: (\d+)/.exec(msg)?.[1] ?? /in line (\d+)/.exec(msg)?.[1];
    fail(file, `${line ? `line ${line}: ` : ''}not valid UTF-8 text (save the file as UTF-8)`);
  }
  const first = msg.split('\n')[0]!.replace(/^[A-Za-z ]*Error: /, '');
  fail(file, `cannot read (${first})`);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function checkColumn(file: string, columns: string[], col: string, flag: string): void {
  if (columns.includes(col)) return;
  const close = columns.filter((c) => c.toLowerCase() === col.toLowerCase() || editDistance(c.toLowerCase(), col.toLowerCase()) <= 2);
  const hint = close.length ? `; did you mean ${flag} ${close[0]}?` : `; name the right one with ${flag}`;
  fail(file, `no column "${col}" (columns: ${columns.join(', ')})${hint}`);
}

/** Columns `cols` (each checked, cast to text) of every row of `file`, in file order. */
export async function readColumns(file: string, cols: { name: string; flag: string }[]): Promise<(string | null)[][]> {
  if (!file.includes('*') && !(await exists(file))) fail(file, 'file not found'); // globs: DuckDB reads every match
  const source = tableFunctionFor(file);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  try {
    let columns: string[];
    try {
      const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      columns = described.getRowObjectsJS().map((r) => String(r.column_name));
    } catch (err) {
      duckError(file, err);
    }
    for (const c of cols) checkColumn(file, columns, c.name, c.flag);
    try {
      const select = cols.map((c) => `CAST(${sqlIdent(c.name)} AS VARCHAR)`).join(', ');
      const reader = await con.runAndReadAll(`SELECT ${select} FROM ${source}`);
      return reader.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
    } catch (err) {
      duckError(file, err);
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** A text cell of record i + 1: present, not blank, valid UTF-8; else a one-line error naming file, record and field. */
export function checkText(file: string, field: string, i: number, t: string | null | undefined): string {
  if (typeof t !== 'string' || t.trim() === '') fail(file, `record ${i + 1}: field "${field}" is empty`);
  if (t.includes('\uFFFD')) fail(file, `record ${i + 1}: field "${field}" is not valid UTF-8 text`);
  return t;
}

/** Read `file` into a labelled text dataset. */
export async function readTextTable(file: string, opts: ReadTextTableOptions = {}): Promise<TextDataset> {
  const textCol = opts.textCol ?? 'text';
  const labelCol = opts.labelCol ?? 'label';
  const rows = await readColumns(file, [{ name: textCol, flag: '--text-col' }, { name: labelCol, flag: '--label-col' }]);
  if (rows.length === 0) fail(file, 'has no rows');
  const texts = rows.map((r, i) => checkText(file, textCol, i, r[0]));
  const raw = rows.map((r, i) => {
    const l = r[1];
    if (typeof l !== 'string' || l.trim() === '') fail(file, `record ${i + 1}: field "${labelCol}" is empty`);
    return l.trim();
  });
  const { labels, labelNames } = labelIds(raw, file, labelCol);
  return { source: file, texts, labels, labelNames: labelNames.map((n) => opts.labelNames?.[n] ?? n) };
}

/** Only the texts of `file` (for prediction: no label column needed). */
export async function readTexts(file: string, textCol = 'text'): Promise<string[]> {
  const rows = await readColumns(file, [{ name: textCol, flag: '--text-col' }]);
  if (rows.length === 0) fail(file, 'has no rows');
  return rows.map((r, i) => checkText(file, textCol, i, r[0]));
}
