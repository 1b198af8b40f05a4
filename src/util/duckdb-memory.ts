/**
 * An in-memory DuckDB connection for one file read (the table readers in src/data/text/files.ts and
 * src/data/tabular/parquet.ts). By default each read gets a database of its own, closed after it:
 * a command reads a file or two, and nothing can leak from one read to the next.
 *
 * A process that reads many files in a row (the fuzz campaign's table-reader child,
 * bench/fuzz/child.ts) calls shareMemoryDuckDB() once; every read then gets a fresh connection on
 * that one database, saving the ~50 ms it takes to create one (the readers' queries take ~2 ms on a
 * small file). The readers only run table functions over files and create nothing, so a read
 * still sees nothing of the ones before it. After a read that failed, ensureSharedMemoryDuckDB()
 * checks that the database still answers (DuckDB invalidates a database after a fatal error) and
 * replaces it if not, so one bad input cannot change how the next is read.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

let shared: { db: DuckDBInstance; threads: number } | undefined;

async function createMemory(threads: number | undefined): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  return DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {});
}

/** Run `fn` on a connection to an in-memory database (its own, unless one is shared); closed after. */
export async function withMemoryDuckDB<T>(threads: number | undefined, fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const own = shared ? undefined : await createMemory(threads);
  const con = await (own ?? shared!.db).connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    own?.closeSync();
  }
}

/** From now on, every withMemoryDuckDB() in this process uses one database (`threads` DuckDB threads). */
export async function shareMemoryDuckDB(threads = 1): Promise<void> {
  if (shared) return;
  shared = { db: await createMemory(threads), threads };
}

/** True when the shared database still answers; otherwise it is replaced by a new one and false is returned. */
export async function ensureSharedMemoryDuckDB(): Promise<boolean> {
  if (!shared) return true;
  try {
    const con = await shared.db.connect();
    try {
      await con.run('SELECT 1');
    } finally {
      con.closeSync();
    }
    return true;
  } catch {
    const threads = shared.threads;
    try {
      shared.db.closeSync();
    } catch {
      /* already unusable */
    }
    shared = { db: await createMemory(threads), threads };
    return false;
  }
}

/** Back to a database per read (closes the shared one). */
export function unshareMemoryDuckDB(): void {
  shared?.db.closeSync();
  shared = undefined;
}
