/**
 * Parquet columns through DuckDB (in memory): numeric and boolean columns arrive as numbers, all
 * others as text (the same inference as CSV then applies), NULL as missing.
 */
import { sqlIdent, sqlString } from '../../util/sql.js';
import { UserError, fail } from '../../util/errors.js';
import { withMemoryDuckDB } from '../../util/duckdb-memory.js';
import { parquetInvalidUtf8 } from '../../util/duckdb-errors.js';
import type { ColumnAccumulator } from './columns.js';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/;

export async function readParquetColumns(path: string, makeColumns: (names: string[]) => ColumnAccumulator[]): Promise<string[]> {
  return withMemoryDuckDB(undefined, async (con) => {
    let described;
    try {
      described = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
    } catch (err) {
      const utf8 = parquetInvalidUtf8(path, err);
      if (utf8) throw new UserError(utf8);
      fail(path, `not a readable Parquet file (${(err as Error).message.split('\n')[0]})`);
    }
    const rows = described.getRowObjectsJS() as { column_name: string; column_type: string }[];
    const names = rows.map((r) => r.column_name);
    const cols = makeColumns(names);
    const select = rows
      .map((r) => (NUMERIC.test(r.column_type) ? `CAST(${sqlIdent(r.column_name)} AS DOUBLE)` : `CAST(${sqlIdent(r.column_name)} AS VARCHAR)`))
      .join(', ');
    // DuckDB reads pages lazily: a corrupt page (bad compression, truncated column chunk) only
    // fails here, as a bare Error; say which file, on one line. Our own UserErrors pass through.
    try {
      const result = await con.stream(`SELECT ${select} FROM read_parquet(${sqlString(path)})`);
      let row = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        for (let c = 0; c < names.length; c++) {
          const values = chunk.getColumnValues(c) as (number | string | null)[];
          const acc = cols[c]!;
          for (let i = 0; i < n; i++) acc.push(values[i] ?? null, row + i + 1);
        }
        row += n;
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      const utf8 = parquetInvalidUtf8(path, err);
      if (utf8) throw new UserError(utf8);
      fail(path, `not a readable Parquet file (${String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200)})`);
    }
    return names;
  });
}
