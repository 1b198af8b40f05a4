/**
 * Who is acting, and may they: API tokens with roles viewer < developer < approver < admin, stored
 * as sha256 hashes (the token itself is printed once, at creation). A registry with no admin token
 * is open (bootstrap: anyone acts, as the local user, with every role); once an admin token exists,
 * every action needs a token. A refusal is one line naming the role the action needs.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { UserError } from '../../util/errors.js';
import { choiceFlag } from '../../util/flags.js';
import { logAction, type RegistryDb } from './schema.js';
import { ROLES, type Role } from './types.js';

export interface Actor {
  who: string;
  role: Role;
  /** True when the registry has no admin token yet and nobody had to show one. */
  open: boolean;
  /** No token shown on a registry that needs one: refused everything. */
  anonymous?: boolean;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const rank = (r: Role) => ROLES.indexOf(r);

function localUser(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local';
  }
}

/** Resolve the token (or its absence) to an actor; an unknown token is refused. */
export function actorOf(db: RegistryDb, token: string | undefined): Actor {
  if (token) {
    const row = db.prepare('SELECT name, role FROM tokens WHERE hash = ?').get(hashToken(token)) as { name: string; role: Role } | undefined;
    if (!row) throw new UserError('registry: the token is not known to this registry (--token / VERDE_REGISTRY_TOKEN)');
    return { who: row.name, role: row.role, open: false };
  }
  const admin = db.prepare("SELECT 1 FROM tokens WHERE role = 'admin' LIMIT 1").get();
  if (admin) return { who: 'anonymous', role: 'viewer', open: false, anonymous: true };
  return { who: localUser(), role: 'admin', open: true };
}

/** Refuse, in one line, an actor whose role is below `needed`. */
export function requireRole(actor: Actor, action: string, needed: Role): void {
  if (actor.open) return;
  if (actor.anonymous) {
    throw new UserError(`registry: "${action}" needs a token with the ${needed} role (pass --token or set VERDE_REGISTRY_TOKEN)`);
  }
  if (rank(actor.role) < rank(needed)) throw new UserError(`registry: "${action}" needs the ${needed} role (${actor.who} has ${actor.role})`);
}

export function parseRole(s: string): Role {
  return choiceFlag('--role', ROLES)(s);
}

/** Create a token; returns it (shown once; only its hash is kept). */
export function createToken(db: RegistryDb, actor: Actor, name: string, role: Role): string {
  requireRole(actor, 'token create', 'admin');
  if (!/^[\w.@:-]{1,64}$/.test(name)) throw new UserError(`--name: "${name}" must be 1-64 letters, digits or . _ @ : -`);
  const token = `verde_${randomBytes(24).toString('hex')}`;
  db.transaction(() => {
    if (db.prepare('SELECT 1 FROM tokens WHERE name = ?').get(name)) throw new UserError(`--name: a token named "${name}" exists already`);
    db.prepare('INSERT INTO tokens (id, name, role, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)').run(randomUUID(), name, role, hashToken(token), new Date().toISOString(), actor.who);
    logAction(db, actor.who, 'token create', name, { role });
  }).immediate();
  return token;
}

export function listTokens(db: RegistryDb, actor: Actor): { name: string; role: string; createdAt: string; createdBy: string }[] {
  requireRole(actor, 'token list', 'admin');
  return db.prepare('SELECT name, role, created_at AS createdAt, created_by AS createdBy FROM tokens ORDER BY created_at').all() as never;
}
