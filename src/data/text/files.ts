/**
 * Read a text classification table — CSV/TSV, JSON Lines/JSON or Parquet — through DuckDB, taking
 * the text and label columns the user named. Every problem is a one-line error naming the file and
 * the field: a missing or misspelt column (with the columns that do exist), a label column with one
 * class, empty text, an empty file, invalid UTF-8 (utf8.ts: `--invalid-utf8 error|replace|skip`).
 */
import type { DuckDBBlobValue } from '@duckdb/node-api';
import { sqlIdent, sqlString } from '../../util/sql.js';
import { withMemoryDuckDB } from '../../util/duckdb-memory.js';
import { parquetInvalidUtf8 } from '../../util/duckdb-errors.js';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fail, UserError } from '../../util/errors.js';
import { sweepStale, tempName, trackTemp } from '../../util/cleanup.js';
import { inputFileSize } from '../../util/input-file.js';
import { copyMarkingInvalidUtf8, decodeUtf8Value, scanTextFile, type InvalidUtf8Counts, type InvalidUtf8Mode } from './utf8.js';
import { copyParquetStringsAsBinary } from './parquet-binary-copy.js';
import { labelIds } from './labels.js';
import type { TextDataset } from './types.js';

export interface ReadTextTableOptions extends ReadColumnsOptions {
  textCol?: string;
  labelCol?: string;
  /** Map raw label values to names (e.g. IMDb's 0/1 -> neg/pos); ids still follow the sorted raw values. */
  labelNames?: Record<string, string>;
}

/** `file`'s type: its extension (lower case) under any .gz. */
function typeOf(file: string): string {
  return extname(file.replace(/\.gz$/i, '')).toLowerCase();
}

/** The DuckDB table function that reads `file`, chosen by extension (`as`: the name whose extension counts). */
export function tableFunctionFor(file: string, as = file): string {
  const ext = typeOf(as);
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
      fail(as, `unknown file type "${ext || '(none)'}"; use .csv, .tsv, .jsonl, .json or .parquet`);
  }
}

/** DuckDB's Parquet reader met an invalid UTF-8 string: readColumns then reads the strings as binary. */
class ParquetUtf8Error extends UserError {}

/** One-line version of a DuckDB error about `file`. */
function duckError(file: string, err: unknown): never {
  const msg = (err as Error).message ?? String(err);
  const parquetUtf8 = parquetInvalidUtf8(file, err);
  if (parquetUtf8) throw new ParquetUtf8Error(parquetUtf8);
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

export interface ReadColumnsOptions {
  /** What to do with records holding invalid UTF-8 (default 'error'); valid UTF-8 is always read as it is. */
  invalidUtf8?: InvalidUtf8Mode;
  /** Filled in: how many records were replaced or skipped. */
  counts?: InvalidUtf8Counts;
}

const TEXT_TYPES = new Set(['.csv', '.tsv', '.txt', '.jsonl', '.ndjson', '.json']);
const UTF8_TEMP_PREFIX = 'verde-utf8-';

/** The one-line error for an invalid text file under --invalid-utf8 error. */
function invalidTextFile(file: string, at: { line: number; offset: number }): never {
  fail(file, `line ${at.line}: not valid UTF-8 text (byte ${at.offset}); save the file as UTF-8, or pass --invalid-utf8 replace (invalid bytes become U+FFFD) or skip (records with them are left out)`);
}

/** A temporary file in tmpdir() for a cleaned or patched copy, removed on exit or by the next run if this one dies. */
async function tempCopy(suffix: string): Promise<{ path: string; release: () => Promise<void> }> {
  await sweepStale(tmpdir(), UTF8_TEMP_PREFIX);
  const path = join(tmpdir(), tempName(UTF8_TEMP_PREFIX, suffix));
  const untrack = trackTemp(path);
  return {
    path,
    release: async () => {
      await rm(path, { force: true });
      untrack();
    },
  };
}

/**
 * Check a text-format file before DuckDB reads it: not empty, valid UTF-8. Returns the file to
 * read: `file` itself, or a temporary copy whose invalid sequences carry `marker` (replace/skip).
 */
async function prepareTextFile(file: string, mode: InvalidUtf8Mode): Promise<{ read: string; marker?: string; release?: () => Promise<void> }> {
  let scan: Awaited<ReturnType<typeof scanTextFile>>;
  try {
    scan = await scanTextFile(file);
  } catch (err) {
    fail(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (scan.blank) fail(file, 'the file is empty');
  if (!scan.invalid) return { read: file };
  if (mode === 'error') invalidTextFile(file, scan.invalid);
  const copy = await tempCopy(typeOf(file));
  try {
    return { read: copy.path, marker: await copyMarkingInvalidUtf8(file, copy.path), release: copy.release };
  } catch (err) {
    await copy.release();
    throw err;
  }
}

/** The files a glob matches, in name order (the order DuckDB reads them in). */
async function globMatches(pattern: string): Promise<string[]> {
  try {
    return await withMemoryDuckDB(1, async (con) => (await con.runAndReadAll(`SELECT file FROM glob(${sqlString(pattern)}) ORDER BY file`)).getRows().map((r) => String(r[0])));
  } catch (err) {
    duckError(pattern, err);
  }
}

/**
 * The UTF-8 check for a glob of text files: every file DuckDB will read is scanned. Under
 * --invalid-utf8 error an invalid one is named with its line and byte (DuckDB's own error names
 * neither); under replace|skip, returns the matches when one of them is invalid (the glob is then
 * read file by file, each invalid one through its own marked copy), else null (DuckDB reads the glob).
 */
async function checkGlobMatches(pattern: string, mode: InvalidUtf8Mode): Promise<string[] | null> {
  const matches = await globMatches(pattern);
  let anyInvalid = false;
  for (const m of matches) {
    if (TEXT_TYPES.has(typeOf(m)) === false) continue;
    let scan: Awaited<ReturnType<typeof scanTextFile>>;
    try {
      scan = await scanTextFile(m);
    } catch (err) {
      fail(m, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!scan.invalid) continue;
    if (mode === 'error') invalidTextFile(m, scan.invalid);
    anyInvalid = true;
  }
  return anyInvalid ? matches : null;
}

/** Apply `mode` to the records holding `marker` (see utf8.ts), counting them. */
function applyInvalidUtf8(rows: (string | null)[][], marker: string, mode: InvalidUtf8Mode, counts: InvalidUtf8Counts): (string | null)[][] {
  return rows.filter((row) => {
    if (!row.some((c) => c?.includes(marker))) return true;
    if (mode === 'skip') {
      counts.skipped++;
      return false;
    }
    counts.replaced++;
    row.forEach((c, j) => (row[j] = c === null ? null : c.replaceAll(marker, '\uFFFD')));
    return true;
  });
}

/** Columns `cols` (each checked, cast to text) of every row of `file`, in file order. */
export async function readColumns(file: string, cols: { name: string; flag: string }[], opts: ReadColumnsOptions = {}): Promise<(string | null)[][]> {
  const glob = file.includes('*'); // globs: DuckDB reads every match
  if (!glob) await inputFileSize(file);
  tableFunctionFor(file); // an unknown type fails before the file is scanned
  const mode = opts.invalidUtf8 ?? 'error';
  const counts = opts.counts ?? { replaced: 0, skipped: 0 };
  if (TEXT_TYPES.has(typeOf(file))) {
    if (glob) {
      const matches = await checkGlobMatches(file, mode);
      if (matches) return readEach(matches, cols, { invalidUtf8: mode, counts });
    }
    const prepared = glob ? { read: file } : await prepareTextFile(file, mode);
    try {
      const rows = await queryColumns(file, prepared.read, cols);
      return prepared.marker ? applyInvalidUtf8(rows, prepared.marker, mode, counts) : rows;
    } finally {
      await prepared.release?.();
    }
  }
  // Parquet: DuckDB checks the strings itself; only a file it refuses is read again with its strings as binary.
  try {
    return await queryColumns(file, file, cols);
  } catch (err) {
    if (!(err instanceof ParquetUtf8Error)) throw err;
  }
  if (!glob) return readParquetDecoding(file, cols, mode, counts);
  return readEach(await globMatches(file), cols, { invalidUtf8: mode, counts });
}

/** The matches of a glob one file at a time (rows in the glob's file order), each read as a file of its own. */
async function readEach(files: string[], cols: { name: string; flag: string }[], opts: Required<ReadColumnsOptions>): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  for (const f of files) for (const row of await readColumns(f, cols, opts)) rows.push(row);
  return rows;
}

/**
 * A Parquet file with an invalid UTF-8 string: read from a copy whose string columns are binary
 * (parquet-binary-copy.ts), each value decoded by utf8.ts, and `mode` applied to the rows holding
 * invalid bytes: error names the row, column and byte; replace puts U+FFFD for each invalid
 * sequence; skip leaves the row out. Counts are per row, as for text files.
 */
async function readParquetDecoding(file: string, cols: { name: string; flag: string }[], mode: InvalidUtf8Mode, counts: InvalidUtf8Counts): Promise<(string | null)[][]> {
  const copy = await tempCopy('.parquet');
  try {
    const strings = await copyParquetStringsAsBinary(file, copy.path);
    const raw = await withMemoryDuckDB(2, async (con) => {
      const source = `read_parquet(${sqlString(copy.path)})`;
      try {
        const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
        const columns = described.getRowObjectsJS().map((r) => String(r.column_name));
        for (const c of cols) checkColumn(file, columns, c.name, c.flag);
        const select = cols.map((c) => (strings.has(c.name) ? sqlIdent(c.name) : `CAST(${sqlIdent(c.name)} AS VARCHAR)`)).join(', ');
        return (await con.runAndReadAll(`SELECT ${select} FROM ${source}`)).getRows();
      } catch (err) {
        if (err instanceof UserError) throw err;
        duckError(file, err);
      }
    });
    const rows: (string | null)[][] = [];
    raw.forEach((row, i) => {
      let invalid = false;
      const cells = row.map((v, j) => {
        if (v === null) return null;
        if (!strings.has(cols[j]!.name)) return String(v);
        const { text, invalidAt } = decodeUtf8Value((v as DuckDBBlobValue).bytes);
        if (invalidAt !== null) {
          if (mode === 'error') {
            fail(file, `row ${i + 1}, column "${cols[j]!.name}": not valid UTF-8 text (byte ${invalidAt} of the value); re-export the file with UTF-8 strings, or pass --invalid-utf8 replace (invalid bytes become U+FFFD) or skip (rows with them are left out)`);
          }
          invalid = true;
        }
        return text;
      });
      if (!invalid) rows.push(cells);
      else if (mode === 'skip') counts.skipped++;
      else {
        counts.replaced++;
        rows.push(cells);
      }
    });
    return rows;
  } finally {
    await copy.release();
  }
}

/** The query itself; `read` is the file DuckDB opens (a cleaned copy, perhaps), `file` the one errors name. */
async function queryColumns(file: string, read: string, cols: { name: string; flag: string }[]): Promise<(string | null)[][]> {
  const source = tableFunctionFor(read, file);
  const toRows = (reader: { getRows(): unknown[][] }) => reader.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
  return withMemoryDuckDB(2, async (con) => {
    // Fast path, one pass over the file: select the columns by name (DuckDB's result then carries
    // each column's real name, so a case-only match is caught below). Anything unusual (an error, a
    // name that differs) takes the checked path, which gives the same rows or the same one-line error.
    try {
      const fast = await con.runAndReadAll(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (SELECT ${cols.map((c) => sqlIdent(c.name)).join(', ')} FROM ${source})`);
      const names = fast.columnNames();
      if (names.length === cols.length && names.every((n, i) => n === cols[i]!.name)) return toRows(fast);
    } catch {
      /* the checked path says what is wrong */
    }
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
      return toRows(await con.runAndReadAll(`SELECT ${select} FROM ${source}`));
    } catch (err) {
      duckError(file, err);
    }
  });
}

/**
 * A text cell of record i + 1: present and not blank, else a one-line error naming file, record and
 * field. Any valid UTF-8 is text (U+FFFD included); invalid bytes never get here (readColumns).
 */
export function checkText(file: string, field: string, i: number, t: string | null | undefined): string {
  if (typeof t !== 'string' || t.trim() === '') fail(file, `record ${i + 1}: field "${field}" is empty`);
  return t;
}

/** Read `file` into a labelled text dataset. */
export async function readTextTable(file: string, opts: ReadTextTableOptions = {}): Promise<TextDataset> {
  const textCol = opts.textCol ?? 'text';
  const labelCol = opts.labelCol ?? 'label';
  const rows = await readColumns(file, [{ name: textCol, flag: '--text-col' }, { name: labelCol, flag: '--label-col' }], opts);
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
export async function readTexts(file: string, textCol = 'text', opts: ReadColumnsOptions = {}): Promise<string[]> {
  const rows = await readColumns(file, [{ name: textCol, flag: '--text-col' }], opts);
  if (rows.length === 0) fail(file, 'has no rows');
  return rows.map((r, i) => checkText(file, textCol, i, r[0]));
}
