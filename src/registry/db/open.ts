/** A registry opened for one command: its layout, its database and who is acting. */
import { actorOf, type Actor } from './auth.js';
import { registryLayout, type RegistryLayout } from './layout.js';
import { openRegistryDb, type RegistryDb } from './schema.js';
import { modelFromRow, type ModelRecord } from './types.js';
import { UserError } from '../../util/errors.js';
import { TOKEN_ENV } from './layout.js';

export interface Registry {
  layout: RegistryLayout;
  db: RegistryDb;
  actor: Actor;
  close(): void;
}

export function openRegistry(opts: { registry?: string; token?: string; create?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): Registry {
  const layout = registryLayout(opts.registry, env);
  const db = openRegistryDb(layout.db, opts.create ?? true);
  try {
    const actor = actorOf(db, opts.token ?? (env[TOKEN_ENV] || undefined));
    return { layout, db, actor, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** "NAME@V" or "NAME" (the latest version) -> [name, version | null]. */
export function parseRef(ref: string): [string, number | null] {
  const at = ref.lastIndexOf('@');
  if (at < 0) return [ref, null];
  const v = Number(ref.slice(at + 1));
  if (!Number.isInteger(v) || v < 1) throw new UserError(`"${ref}": the version after @ must be a whole number >= 1`);
  return [ref.slice(0, at), v];
}

export function findModel(db: RegistryDb, name: string, version: number | null): ModelRecord | undefined {
  const row = version === null
    ? db.prepare('SELECT * FROM models WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
    : db.prepare('SELECT * FROM models WHERE name = ? AND version = ?').get(name, version);
  return row ? modelFromRow(row as never) : undefined;
}

/** The model NAME[@V] or a one-line error. */
export function getModel(db: RegistryDb, ref: string): ModelRecord {
  const [name, version] = parseRef(ref);
  const m = findModel(db, name, version);
  if (!m) throw new UserError(`registry: no model ${version === null ? `named "${name}"` : `${name}@${version}`} in this registry (see verde registry list)`);
  return m;
}

export function allModels(db: RegistryDb): ModelRecord[] {
  return (db.prepare('SELECT * FROM models ORDER BY name, version').all() as never[]).map(modelFromRow);
}
