/**
 * The model registry's database (PATH/registry.db): models and their versions, aliases, production
 * requests and approvals, API tokens (hashed) and the append-only change log. Opened the same way as
 * the run store (util/sqlite.ts: WAL, busy timeout, BEGIN IMMEDIATE writes, user_version migrations).
 * The log is append-only in the database itself: triggers abort any UPDATE or DELETE on it.
 */
import { openSqlite, type SqliteDb } from '../../util/sqlite.js';

export type RegistryDb = SqliteDb;

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE models (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL, registered_at TEXT NOT NULL,
     registered_by TEXT NOT NULL, task TEXT NOT NULL, labels TEXT NOT NULL, manifest_version TEXT NOT NULL,
     source_dir TEXT NOT NULL, lineage TEXT NOT NULL, parent_id TEXT REFERENCES models(id), params TEXT NOT NULL,
     metrics TEXT NOT NULL, energy TEXT NOT NULL, size_bytes INTEGER NOT NULL, data TEXT NOT NULL,
     files TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active', archived_at TEXT,
     UNIQUE (name, version));
   CREATE INDEX models_task ON models(task);
   CREATE TABLE aliases (name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL,
     set_at TEXT NOT NULL, set_by TEXT NOT NULL, PRIMARY KEY (name, alias));
   CREATE TABLE requests (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, alias TEXT NOT NULL,
     version INTEGER NOT NULL, requested_by TEXT NOT NULL, requested_at TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, decided_at TEXT);
   CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
     created_at TEXT NOT NULL, created_by TEXT NOT NULL);
   CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL,
     action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE TRIGGER log_no_update BEFORE UPDATE ON log BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
   CREATE TRIGGER log_no_delete BEFORE DELETE ON log BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;`,
];

export function openRegistryDb(path: string, create = true): RegistryDb {
  return openSqlite(path, { what: 'model registry', migrations: MIGRATIONS, missingHint: 'register a model first, or pass --registry PATH / VERDE_REGISTRY', otherFlag: 'use another --registry', schemaName: 'registry schema' }, { create });
}

/** Append one entry to the change log (inside the caller's transaction). */
export function logAction(db: RegistryDb, who: string, action: string, subject: string, detail: Record<string, unknown> = {}): void {
  db.prepare('INSERT INTO log (at, who, action, subject, detail) VALUES (?, ?, ?, ?, ?)').run(new Date().toISOString(), who, action, subject, JSON.stringify(detail));
}
