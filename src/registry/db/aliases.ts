/**
 * Aliases (MLflow's word): a name like `production` or `staging` pointing at one version of a model.
 * The database is the truth; after each committed change the pointer file
 * aliases/<name>/<alias>.json that `verde serve --registry --alias` watches is written atomically
 * (or removed). Setting `production` takes two people: a developer requests it, an approver other
 * than the requester approves it.
 */
import { rm } from 'node:fs/promises';
import { writeJsonAtomic } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import { requireRole } from './auth.js';
import { aliasFile, checkoutRel } from './layout.js';
import { findModel, type Registry } from './open.js';
import { logAction } from './schema.js';

export const PRODUCTION = 'production';

export interface AliasRow {
  name: string;
  alias: string;
  version: number;
  setAt: string;
  setBy: string;
}

export interface AliasRequest {
  id: number;
  name: string;
  alias: string;
  version: number;
  requestedBy: string;
  requestedAt: string;
  status: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

function checkAlias(alias: string): string {
  if (!/^[A-Za-z][\w-]{0,31}$/.test(alias)) throw new UserError(`alias: "${alias}" must start with a letter and hold 1-32 letters, digits, _ or -`);
  return alias;
}

/** The version must exist and be checked out (not archived). */
function checkTarget(reg: Registry, name: string, version: number): void {
  const m = findModel(reg.db, name, version);
  if (!m) throw new UserError(`registry: ${name}@${version} does not exist; an alias must point at a registered version`);
  if (m.status === 'archived') throw new UserError(`registry: ${name}@${version} is archived; restore it before pointing an alias at it`);
}

async function writePointer(reg: Registry, a: AliasRow): Promise<void> {
  await writeJsonAtomic(aliasFile(reg.layout, a.name, a.alias), {
    format: 'verde-alias/1', name: a.name, alias: a.alias, version: a.version, dir: checkoutRel(a.name, a.version), setAt: a.setAt,
  });
}

function upsert(reg: Registry, name: string, alias: string, version: number, detail: Record<string, unknown>): AliasRow {
  const row: AliasRow = { name, alias, version, setAt: new Date().toISOString(), setBy: reg.actor.who };
  reg.db.prepare('INSERT INTO aliases (name, alias, version, set_at, set_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, set_at = excluded.set_at, set_by = excluded.set_by')
    .run(name, alias, version, row.setAt, row.setBy);
  logAction(reg.db, reg.actor.who, 'alias set', `${name}@${version}`, { alias, ...detail });
  return row;
}

export async function setAlias(reg: Registry, name: string, alias: string, version: number): Promise<AliasRow> {
  checkAlias(alias);
  requireRole(reg.actor, 'alias set', 'developer');
  if (alias === PRODUCTION) {
    throw new UserError(`registry: "${PRODUCTION}" needs an approval: verde registry alias request ${name} ${PRODUCTION} ${version}, then an approver other than you runs verde registry approve ID`);
  }
  const row = reg.db.transaction(() => {
    checkTarget(reg, name, version);
    return upsert(reg, name, alias, version, {});
  }).immediate();
  await writePointer(reg, row);
  return row;
}

export async function removeAlias(reg: Registry, name: string, alias: string): Promise<void> {
  requireRole(reg.actor, 'alias rm', alias === PRODUCTION ? 'approver' : 'developer');
  reg.db.transaction(() => {
    const r = reg.db.prepare('DELETE FROM aliases WHERE name = ? AND alias = ?').run(name, alias);
    if (r.changes === 0) throw new UserError(`registry: ${name} has no alias "${alias}"`);
    logAction(reg.db, reg.actor.who, 'alias rm', name, { alias });
  }).immediate();
  await rm(aliasFile(reg.layout, name, alias), { force: true });
}

export function requestAlias(reg: Registry, name: string, alias: string, version: number): AliasRequest {
  checkAlias(alias);
  requireRole(reg.actor, 'alias request', 'developer');
  return reg.db.transaction(() => {
    checkTarget(reg, name, version);
    const now = new Date().toISOString();
    const id = Number(reg.db.prepare('INSERT INTO requests (name, alias, version, requested_by, requested_at) VALUES (?, ?, ?, ?, ?)').run(name, alias, version, reg.actor.who, now).lastInsertRowid);
    logAction(reg.db, reg.actor.who, 'alias request', `${name}@${version}`, { alias, request: id });
    return getRequest(reg, id);
  }).immediate();
}

function getRequest(reg: Registry, id: number): AliasRequest {
  const r = reg.db.prepare(`SELECT id, name, alias, version, requested_by AS requestedBy, requested_at AS requestedAt, status,
    decided_by AS decidedBy, decided_at AS decidedAt FROM requests WHERE id = ?`).get(id) as AliasRequest | undefined;
  if (!r) throw new UserError(`registry: no request ${id} (see verde registry requests)`);
  return r;
}

export function listRequests(reg: Registry): AliasRequest[] {
  requireRole(reg.actor, 'requests', 'viewer');
  return reg.db.prepare(`SELECT id, name, alias, version, requested_by AS requestedBy, requested_at AS requestedAt, status,
    decided_by AS decidedBy, decided_at AS decidedAt FROM requests ORDER BY id`).all() as AliasRequest[];
}

/** Approve request `id`: an approver other than the requester; the alias is set in the same transaction. */
export async function approveRequest(reg: Registry, id: number): Promise<AliasRow> {
  requireRole(reg.actor, 'approve', 'approver');
  const row = reg.db.transaction(() => {
    const q = getRequest(reg, id);
    if (q.status !== 'pending') throw new UserError(`registry: request ${id} is ${q.status} already`);
    if (q.requestedBy === reg.actor.who) throw new UserError(`registry: "approve" needs an approver other than the requester (${q.requestedBy} requested request ${id})`);
    checkTarget(reg, q.name, q.version);
    reg.db.prepare("UPDATE requests SET status = 'approved', decided_by = ?, decided_at = ? WHERE id = ?").run(reg.actor.who, new Date().toISOString(), id);
    logAction(reg.db, reg.actor.who, 'approve', `${q.name}@${q.version}`, { alias: q.alias, request: id, requestedBy: q.requestedBy });
    return upsert(reg, q.name, q.alias, q.version, { request: id, requestedBy: q.requestedBy, approvedBy: reg.actor.who });
  }).immediate();
  await writePointer(reg, row);
  return row;
}

export function listAliases(reg: Registry, name?: string): AliasRow[] {
  const sql = `SELECT name, alias, version, set_at AS setAt, set_by AS setBy FROM aliases ${name ? 'WHERE name = ?' : ''} ORDER BY name, alias`;
  return (name ? reg.db.prepare(sql).all(name) : reg.db.prepare(sql).all()) as AliasRow[];
}

/** "name@version" of every aliased version. */
export function aliasedVersions(reg: Registry): Set<string> {
  return new Set(listAliases(reg).map((a) => `${a.name}@${a.version}`));
}
