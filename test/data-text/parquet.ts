import { DuckDBInstance } from '@duckdb/node-api';

/** Write rows to a real Parquet file with DuckDB. */
export async function writeParquet(path: string, rows: { text: string; label: number | string }[], labelType = 'INTEGER'): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    await con.run(`CREATE TABLE t (text VARCHAR, label ${labelType})`);
    for (const r of rows) await con.run('INSERT INTO t VALUES ($1, $2)', [r.text, r.label]);
    await con.run(`COPY t TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
