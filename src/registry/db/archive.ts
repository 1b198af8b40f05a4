/**
 * Archival and retention. `archive` compresses each model file to archive/<sha>.zst (zstd level 19),
 * marks the version archived (metadata kept), removes its checkout and every plain blob no other
 * checked-out version uses. `restore` decompresses, checks each file's sha256 against the record
 * (byte-identical or refused), and materialises the checkout again. `retention` deletes the files of
 * versions outside the policy (the record and log stay, status `deleted`), never an aliased version.
 * `verify` re-hashes every stored file against the record.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, writeFileAtomic } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import { aliasedVersions } from './aliases.js';
import { requireRole } from './auth.js';
import { listFiles, materialise, sha256File } from './blobs.js';
import { archivedBlobPath, blobPath, checkoutDir } from './layout.js';
import { allModels, getModel, type Registry } from './open.js';
import { logAction } from './schema.js';
import type { ModelRecord } from './types.js';

interface Zstd {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
  decompress(buf: Uint8Array): Uint8Array;
}
let zstd: Promise<Zstd> | undefined;
function loadZstd(): Promise<Zstd> {
  zstd ??= (async () => {
    const mod = (await import('@bokuweb/zstd-wasm')) as unknown as Zstd & { default?: Zstd };
    const z = mod.default ?? mod;
    await z.init();
    return z;
  })();
  return zstd;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Blobs (sha256) still needed as plain files by versions other than `except` that are checked out. */
function liveShas(reg: Registry, except: Set<string>): Set<string> {
  return new Set(allModels(reg.db).filter((m) => m.status === 'active' && !except.has(m.id)).flatMap((m) => m.files.map((f) => f.sha256)));
}
function archivedShas(reg: Registry, except: Set<string>): Set<string> {
  return new Set(allModels(reg.db).filter((m) => m.status === 'archived' && !except.has(m.id)).flatMap((m) => m.files.map((f) => f.sha256)));
}

function refuseAliased(reg: Registry, m: ModelRecord, what: string): void {
  if (aliasedVersions(reg).has(`${m.name}@${m.version}`)) throw new UserError(`registry: ${m.name}@${m.version} has an alias; move or remove the alias before you ${what} it`);
}

export interface ArchiveResult { model: string; files: number; bytes: number; compressedBytes: number }

export async function archiveModel(reg: Registry, ref: string): Promise<ArchiveResult> {
  requireRole(reg.actor, 'archive', 'developer');
  const m = getModel(reg.db, ref);
  if (m.status !== 'active') throw new UserError(`registry: ${m.name}@${m.version} is ${m.status} already`);
  refuseAliased(reg, m, 'archive');
  const z = await loadZstd();
  let compressedBytes = 0;
  for (const f of m.files) {
    const dest = archivedBlobPath(reg.layout, f.sha256);
    if (await exists(dest)) { compressedBytes += (await stat(dest)).size; continue; }
    const raw = await readFile(blobPath(reg.layout, f.sha256));
    if (sha256(raw) !== f.sha256) throw new UserError(`registry: ${m.name}@${m.version}: ${f.path} is corrupt (its content hash changed); not archived`);
    const packed = z.compress(raw, 19);
    await mkdir(join(dest, '..'), { recursive: true });
    await writeFileAtomic(dest, packed);
    compressedBytes += packed.length;
  }
  reg.db.transaction(() => {
    reg.db.prepare("UPDATE models SET status = 'archived', archived_at = ? WHERE id = ?").run(new Date().toISOString(), m.id);
    logAction(reg.db, reg.actor.who, 'archive', `${m.name}@${m.version}`, { bytes: m.sizeBytes, compressedBytes });
  }).immediate();
  await rm(checkoutDir(reg.layout, m.name, m.version), { recursive: true, force: true });
  const live = liveShas(reg, new Set([m.id]));
  for (const f of m.files) if (!live.has(f.sha256)) await rm(blobPath(reg.layout, f.sha256), { force: true });
  return { model: `${m.name}@${m.version}`, files: m.files.length, bytes: m.sizeBytes, compressedBytes };
}

export async function restoreModel(reg: Registry, ref: string): Promise<{ model: string; dir: string }> {
  requireRole(reg.actor, 'restore', 'developer');
  const m = getModel(reg.db, ref);
  if (m.status !== 'archived') throw new UserError(`registry: ${m.name}@${m.version} is ${m.status}, not archived${m.status === 'deleted' ? ' (retention deleted its files)' : ''}`);
  const z = await loadZstd();
  for (const f of m.files) {
    const blob = blobPath(reg.layout, f.sha256);
    if ((await exists(blob)) && (await sha256File(blob)) === f.sha256) continue;
    const src = archivedBlobPath(reg.layout, f.sha256);
    if (!(await exists(src))) throw new UserError(`registry: ${m.name}@${m.version}: the archive of ${f.path} is missing (${src})`);
    const raw = z.decompress(await readFile(src));
    if (sha256(raw) !== f.sha256) throw new UserError(`registry: ${m.name}@${m.version}: ${f.path} restored from ${src} does not match its content hash; not restored`);
    await mkdir(join(blob, '..'), { recursive: true });
    await writeFileAtomic(blob, raw);
  }
  const dest = checkoutDir(reg.layout, m.name, m.version);
  const staging = join(reg.layout.checkouts, m.name, `.staging-${randomUUID()}`);
  try {
    await mkdir(staging, { recursive: true });
    await materialise(reg.layout, m.files, staging);
    reg.db.transaction(() => {
      reg.db.prepare("UPDATE models SET status = 'active', archived_at = NULL WHERE id = ?").run(m.id);
      logAction(reg.db, reg.actor.who, 'restore', `${m.name}@${m.version}`, {});
    }).immediate();
    await rm(dest, { recursive: true, force: true });
    await rename(staging, dest);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const still = archivedShas(reg, new Set([m.id]));
  for (const f of m.files) if (!still.has(f.sha256)) await rm(archivedBlobPath(reg.layout, f.sha256), { force: true });
  return { model: `${m.name}@${m.version}`, dir: dest };
}

export interface RetentionPlan {
  policy: string;
  remove: { model: string; status: string; registeredAt: string; bytesFreed: number }[];
  keptAliased: string[];
  bytesFreed: number;
  dryRun: boolean;
}

async function sizeIfExists(path: string): Promise<number> {
  try { return (await stat(path)).size; } catch { return 0; }
}

/** Versions outside `keep last N per name` / `registered within D days`, never an aliased one. */
export async function retention(reg: Registry, policy: { keepLast?: number; newerThanDays?: number }, dryRun: boolean, now = Date.now()): Promise<RetentionPlan> {
  requireRole(reg.actor, dryRun ? 'retention --dry-run' : 'retention', dryRun ? 'viewer' : 'admin');
  if (policy.keepLast === undefined && policy.newerThanDays === undefined) throw new UserError('retention: give --keep-last N or --newer-than DAYS');
  const aliased = aliasedVersions(reg);
  const models = allModels(reg.db).filter((m) => m.status !== 'deleted');
  const byName = new Map<string, ModelRecord[]>();
  for (const m of models) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  const go: ModelRecord[] = [];
  const keptAliased: string[] = [];
  for (const list of byName.values()) {
    list.sort((a, b) => b.version - a.version);
    list.forEach((m, i) => {
      const old = policy.keepLast !== undefined ? i >= policy.keepLast : false;
      const stale = policy.newerThanDays !== undefined ? now - Date.parse(m.registeredAt) > policy.newerThanDays * 86_400_000 : false;
      const outside = policy.keepLast !== undefined && policy.newerThanDays !== undefined ? old && stale : old || stale;
      if (!outside) return;
      if (aliased.has(`${m.name}@${m.version}`)) keptAliased.push(`${m.name}@${m.version}`);
      else go.push(m);
    });
  }
  const goIds = new Set(go.map((m) => m.id));
  const live = liveShas(reg, goIds);
  const arch = archivedShas(reg, goIds);
  const freedShas = new Set<string>();
  const remove: RetentionPlan['remove'] = [];
  for (const m of go) {
    let bytes = 0;
    const co = checkoutDir(reg.layout, m.name, m.version);
    if (await exists(co)) for (const p of await listFiles(co)) bytes += await sizeIfExists(join(co, p));
    for (const f of m.files) {
      if (freedShas.has(f.sha256)) continue;
      freedShas.add(f.sha256);
      if (!live.has(f.sha256)) bytes += await sizeIfExists(blobPath(reg.layout, f.sha256));
      if (!arch.has(f.sha256)) bytes += await sizeIfExists(archivedBlobPath(reg.layout, f.sha256));
    }
    remove.push({ model: `${m.name}@${m.version}`, status: m.status, registeredAt: m.registeredAt, bytesFreed: bytes });
  }
  const policyText = [policy.keepLast !== undefined ? `keep the last ${policy.keepLast} per name` : '', policy.newerThanDays !== undefined ? `keep those newer than ${policy.newerThanDays} days` : ''].filter(Boolean).join(' and ');
  const plan = { policy: policyText, remove, keptAliased, bytesFreed: remove.reduce((a, r) => a + r.bytesFreed, 0), dryRun };
  if (dryRun || go.length === 0) return plan;
  reg.db.transaction(() => {
    for (const m of go) {
      reg.db.prepare("UPDATE models SET status = 'deleted' WHERE id = ?").run(m.id);
      logAction(reg.db, reg.actor.who, 'retention delete', `${m.name}@${m.version}`, { policy: policyText });
    }
  }).immediate();
  for (const m of go) {
    await rm(checkoutDir(reg.layout, m.name, m.version), { recursive: true, force: true });
    for (const f of m.files) {
      if (!live.has(f.sha256)) await rm(blobPath(reg.layout, f.sha256), { force: true });
      if (!arch.has(f.sha256)) await rm(archivedBlobPath(reg.layout, f.sha256), { force: true });
    }
  }
  return plan;
}

export interface VerifyProblem { model: string; file: string; problem: string }

/** Re-hash every stored file (blobs and checkouts of active versions, archives of archived ones). */
export async function verifyRegistry(reg: Registry): Promise<{ checked: number; problems: VerifyProblem[] }> {
  requireRole(reg.actor, 'verify', 'viewer');
  const problems: VerifyProblem[] = [];
  let checked = 0;
  const z = await loadZstd();
  for (const m of allModels(reg.db)) {
    const ref = `${m.name}@${m.version}`;
    for (const f of m.files) {
      if (m.status === 'active') {
        for (const [where, path] of [['blob', blobPath(reg.layout, f.sha256)], ['checkout', join(checkoutDir(reg.layout, m.name, m.version), ...f.path.split('/'))]] as const) {
          checked++;
          if (!(await exists(path))) problems.push({ model: ref, file: f.path, problem: `${where} missing (${path})` });
          else if ((await sha256File(path)) !== f.sha256) problems.push({ model: ref, file: f.path, problem: `${where} corrupt: content hash differs from the registered ${f.sha256.slice(0, 12)} (${path})` });
        }
      } else if (m.status === 'archived') {
        checked++;
        const path = archivedBlobPath(reg.layout, f.sha256);
        if (!(await exists(path))) { problems.push({ model: ref, file: f.path, problem: `archive missing (${path})` }); continue; }
        let ok = false;
        try { ok = sha256(z.decompress(await readFile(path))) === f.sha256; } catch { ok = false; }
        if (!ok) problems.push({ model: ref, file: f.path, problem: `archive corrupt: does not decompress to the registered content (${path})` });
      }
    }
  }
  return { checked, problems };
}
