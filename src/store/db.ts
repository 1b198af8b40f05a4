/**
 * The run store's database: one SQLite file (better-sqlite3) in WAL mode, so readers never block
 * the writer and two verde commands can record at once (each write is one BEGIN IMMEDIATE
 * transaction; a writer that finds the file busy waits up to BUSY_TIMEOUT_MS). The schema version
 * lives in PRAGMA user_version and grows by the MIGRATIONS below, never by editing one; a file
 * written by a newer verde is refused rather than misread.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../util/errors.js';

export type StoreDb = Database.Database;

export const DEFAULT_STORE = './verde-out/runs.db';
export const STORE_ENV = 'VERDE_STORE';
export const BUSY_TIMEOUT_MS = 5000;

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
  if (err instanceof UserError) return err;
  const code = (err as { code?: string }).code ?? '';
  const msg = (err as Error).message ?? String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new UserError(`${path}: the run store is locked by another process (waited ${BUSY_TIMEOUT_MS / 1000} s); try again when it finishes`);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return new UserError(`${path}: not a verde run store (${msg})`);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR')) return new UserError(`${path}: cannot open the run store (${msg})`);
  return err as Error;
}

/**
 * Open (creating when `create`) and migrate the store. Throws one-line UserErrors: missing file
 * when not creating, newer schema, locked, not a database.
 */
export function openStore(path: string, opts: { create?: boolean } = {}): StoreDb {
  const create = opts.create ?? true;
  if (create) mkdirSync(dirname(path), { recursive: true });
  let db: StoreDb | undefined;
  try {
    db = new Database(path, { fileMustExist: !create, timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (err) {
    db?.close();
    if ((err as { code?: string }).code === 'SQLITE_CANTOPEN' && !create) throw new UserError(`${path}: no run store here (record a run first, or pass --store PATH / ${STORE_ENV})`);
    throw storeError(path, err);
  }
}

function migrate(db: StoreDb, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new UserError(`${path}: written by a newer verde (store schema ${version}; this verde reads up to ${SCHEMA_VERSION}); upgrade verde or use another --store`);
  }
  if (version === SCHEMA_VERSION) return;
  // IMMEDIATE: two processes creating a new store at once must not both run migration 1.
  db.transaction(() => {
    const now = db.pragma('user_version', { simple: true }) as number;
    for (let v = now; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
