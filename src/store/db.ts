/**
 * The run store's database: one SQLite file (better-sqlite3) in WAL mode, so readers never block
 * the writer and two verde commands can record at once (each write is one BEGIN IMMEDIATE
 * transaction; a writer that finds the file busy waits up to BUSY_TIMEOUT_MS). The schema version
 * lives in PRAGMA user_version and grows by the MIGRATIONS below, never by editing one; a file
 * written by a newer verde is refused rather than misread.
 */
import { resolve } from 'node:path';
import { BUSY_TIMEOUT_MS, openSqlite, sqliteError, type SqliteDb } from '../util/sqlite.js';

export type StoreDb = SqliteDb;
export { BUSY_TIMEOUT_MS };

export const DEFAULT_STORE = './verde-out/runs.db';
export const STORE_ENV = 'VERDE_STORE';

/** Migration N (1-based) takes the schema from version N-1 to N. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY, command TEXT NOT NULL, flags TEXT NOT NULL, started_at TEXT NOT NULL,
     recorded_at TEXT NOT NULL, duration_s REAL NOT NULL, cwd TEXT NOT NULL, git_commit TEXT,
     hardware TEXT NOT NULL, country_iso TEXT NOT NULL, country_name TEXT NOT NULL,
     carbon_g_per_kwh REAL NOT NULL, carbon_source TEXT NOT NULL, energy_j REAL NOT NULL,
     co2e_g REAL NOT NULL, energy_method TEXT NOT NULL, water_l REAL, source TEXT NOT NULL,
     status TEXT NOT NULL);
   CREATE INDEX runs_started ON runs(started_at);
   CREATE TABLE components (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     component TEXT NOT NULL, energy_j REAL NOT NULL, mean_power_w REAL, method TEXT NOT NULL);
   CREATE TABLE phases (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
     name TEXT NOT NULL, phase TEXT NOT NULL, duration_s REAL NOT NULL, energy_j REAL NOT NULL,
     co2e_g REAL NOT NULL, method TEXT NOT NULL);
   CREATE TABLE variants (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
     name TEXT NOT NULL, model_name TEXT NOT NULL, task TEXT NOT NULL, accuracy REAL, macro_f1 REAL,
     roc_auc REAL, pr_auc REAL, latency_ms REAL, throughput_per_s REAL, size_bytes REAL,
     j_per_inference REAL, j_per_correct REAL, j_per_batch REAL, batch_size REAL, energy_j REAL, co2e_g REAL, train_energy_j REAL,
     inferences REAL, correct REAL, energy_method TEXT NOT NULL, seconds_per_inference REAL, model_dir TEXT);
   CREATE INDEX variants_model ON variants(model_name);`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** --store, else VERDE_STORE, else ./verde-out/runs.db. */
export function storePath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env[STORE_ENV] || DEFAULT_STORE));
}

/** SQLite errors a user can act on, as one line naming the file. */
export function storeError(path: string, err: unknown): Error {
  return sqliteError(path, 'run store', err);
}

/**
 * Open (creating when `create`) and migrate the store. Throws one-line UserErrors: missing file
 * when not creating, newer schema, locked, not a database.
 */
export function openStore(path: string, opts: { create?: boolean } = {}): StoreDb {
  return openSqlite(path, { what: 'run store', migrations: MIGRATIONS, missingHint: `record a run first, or pass --store PATH / ${STORE_ENV}`, otherFlag: 'use another --store', schemaName: 'store schema' }, opts);
}
