/**
 * The input of a scoring run: one CSV/JSONL/Parquet file or a glob of them, read through DuckDB.
 * A shard is a row range [start, end) of the whole input in file order (DuckDB keeps insertion
 * order, and reads a glob's files in name order), so any process that sees the same files reads
 * the same rows for the same shard. Cells are read as text and turned into feature values by
 * predict's own `featureValue`, so a row scores exactly as `verde predict --data` scores it.
 */
import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { fail } from '../util/errors.js';
import { sqlIdent } from '../util/sql.js';
import type { ModelManifest } from '../registry/manifest.js';
import { tableFunctionFor } from '../data/text/files.js';
import { featureValue } from '../predict/tabular-predictor.js';
import type { BatchRows } from '../serve/protocol.js';

/** The columns a model reads: its tabular features by name, or one text column. */
export interface InputColumns {
  kind: 'tabular' | 'text';
  names: string[];
}

export function inputColumns(m: ModelManifest, textCol: string): InputColumns {
  if (m.task === 'tabular-classification') return { kind: 'tabular', names: m.tabular!.features.map((f) => f.name) };
  return { kind: 'text', names: [textCol] };
}

export async function openDuck(threads = 1): Promise<{ con: DuckDBConnection; close: () => void }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  return { con, close: () => { con.closeSync(); db.closeSync(); } };
}

function oneLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0]!.replace(/^[A-Za-z ]*Error: /, '');
}

/** Check the input exists, has the model's columns, and count its rows (one scan). */
export async function describeInput(data: string, cols: InputColumns, flag = '--data'): Promise<{ rows: number }> {
  if (!data.includes('*')) {
    try {
      if ((await stat(data)).size === 0) fail(data, 'the file is empty');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') fail(data, 'file not found');
      throw err;
    }
  }
  const source = tableFunctionFor(data);
  const { con, close } = await openDuck(2);
  try {
    let columns: string[];
    try {
      columns = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS().map((r) => String(r.column_name));
    } catch (err) {
      fail(data, `cannot read (${oneLine(err)})`);
    }
    const missing = cols.names.filter((c) => !columns.includes(c));
    if (missing.length) fail(data, `no column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} (the model reads ${cols.names.join(', ')}; the file has ${columns.join(', ')})${cols.kind === 'text' ? '; name the text column with --text-col' : ''}`);
    const n = Number((await con.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0]![0]);
    if (n === 0) fail(data, `${flag}: no data rows`);
    return { rows: n };
  } finally {
    close();
  }
}

/**
 * Rows [start, end) of the input as model batches of at most `batchRows` rows, in order, each with
 * the 1-based input row number of its first row. Streamed chunk by chunk: memory holds one batch.
 */
export async function* readShard(data: string, m: ModelManifest, cols: InputColumns, start: number, end: number, batchRows: number): AsyncGenerator<{ first: number; rows: BatchRows }> {
  const source = tableFunctionFor(data);
  const { con, close } = await openDuck(1);
  try {
    const select = cols.names.map((c) => `CAST(${sqlIdent(c)} AS VARCHAR)`).join(', ');
    let result;
    try {
      result = await con.stream(`SELECT ${select} FROM ${source} LIMIT ${end - start} OFFSET ${start}`);
    } catch (err) {
      fail(data, `cannot read rows ${start + 1}-${end} (${oneLine(err)})`);
    }
    const features = m.tabular?.features ?? [];
    let first = start + 1;
    let feats: Float32Array[] = [];
    let texts: string[] = [];
    const pending = () => (cols.kind === 'tabular' ? feats.length : texts.length);
    const take = (): { first: number; rows: BatchRows } => {
      const rows: BatchRows = cols.kind === 'tabular' ? { kind: 'tabular', features: feats } : { kind: 'text', texts };
      const out = { first, rows };
      first += pending();
      feats = [];
      texts = [];
      return out;
    };
    let rowNo = start;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const r of chunk.getRows()) {
        rowNo++;
        if (cols.kind === 'tabular') {
          const v = new Float32Array(features.length);
          for (let j = 0; j < features.length; j++) v[j] = featureValue(r[j] === null ? null : String(r[j]), features[j]!, data, rowNo);
          feats.push(v);
        } else {
          const t = r[0] === null ? '' : String(r[0]);
          if (t.trim() === '') fail(data, `record ${rowNo}: field "${cols.names[0]}" is empty`);
          texts.push(t);
        }
        if (pending() >= batchRows) yield take();
      }
    }
    if (pending() > 0) yield take();
    if (rowNo !== end) fail(data, `rows ${start + 1}-${end}: only ${rowNo - start} rows read (the input changed since the run started?)`);
  } finally {
    close();
  }
}
