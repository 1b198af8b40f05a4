/**
 * Opening a verde SQLite file (better-sqlite3) the one way the run store and the model registry
 * both use: WAL mode, so readers never block the writer and two verde processes can write at once
 * (each write one BEGIN IMMEDIATE transaction; a writer that finds the file busy waits up to
 * BUSY_TIMEOUT_MS); the schema version in PRAGMA user_version, grown by a list of migrations that
 * are never edited; a file written by a newer verde refused rather than misread. Errors a user can
 * act on are one-line UserErrors naming the file.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from './errors.js';

export type SqliteDb = Database.Database;

export const BUSY_TIMEOUT_MS = 5000;

export interface SqliteKind {
  /** What the file is, in messages: "run store", "model registry". */
  what: string;
  /** Migration N (1-based) takes the schema from version N-1 to N. */
  migrations: readonly string[];
  /** Appended to "no <what> here" when the file is missing and not created. */
  missingHint: string;
  /** Appended to the newer-schema refusal: "use another --store". */
  otherFlag: string;
  /** How the schema is named in the newer-schema refusal: "store schema". */
  schemaName: string;
}

/** SQLite errors a user can act on, as one line naming the file. */
export function sqliteError(path: string, what: string, err: unknown): Error {
  if (err instanceof UserError) return err;
  const code = (err as { code?: string }).code ?? '';
  const msg = (err as Error).message ?? String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new UserError(`${path}: the ${what} is locked by another process (waited ${BUSY_TIMEOUT_MS / 1000} s); try again when it finishes`);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return new UserError(`${path}: not a verde ${what} (${msg})`);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR')) return new UserError(`${path}: cannot open the ${what} (${msg})`);
  return err as Error;
}

/** Open (creating when `create`) and migrate a SQLite file of the given kind. */
export function openSqlite(path: string, kind: SqliteKind, opts: { create?: boolean } = {}): SqliteDb {
  const create = opts.create ?? true;
  if (create) mkdirSync(dirname(path), { recursive: true });
  else if (!existsSync(path)) throw new UserError(`${path}: no ${kind.what} here (${kind.missingHint})`);
  let db: SqliteDb | undefined;
  try {
    db = new Database(path, { fileMustExist: !create, timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path, kind);
    return db;
  } catch (err) {
    db?.close();
    if ((err as { code?: string }).code === 'SQLITE_CANTOPEN' && !create) throw new UserError(`${path}: no ${kind.what} here (${kind.missingHint})`);
    throw sqliteError(path, kind.what, err);
  }
}

function migrate(db: SqliteDb, path: string, kind: SqliteKind): void {
  const target = kind.migrations.length;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > target) {
    throw new UserError(`${path}: written by a newer verde (${kind.schemaName} ${version}; this verde reads up to ${target}); upgrade verde or ${kind.otherFlag}`);
  }
  if (version === target) return;
  // IMMEDIATE: two processes creating a new file at once must not both run migration 1.
  db.transaction(() => {
    const now = db.pragma('user_version', { simple: true }) as number;
    for (let v = now; v < target; v++) db.exec(kind.migrations[v]!);
    db.pragma(`user_version = ${target}`);
  }).immediate();
}
