/**
 * Registering a model directory: files first, then one transaction. The directory is checked
 * (openModelDir), every file is stored as a content-addressed blob and the checkout is staged in a
 * temp directory; only then does one BEGIN IMMEDIATE transaction take the next version of the name
 * and insert the record and its log entry. A process killed before the commit leaves blobs nobody
 * points to (harmless, shared by content) and no entry; two processes registering at once are
 * serialised by the transaction and get distinct versions. The staged checkout is renamed to
 * checkouts/<name>/<version>/ after the commit.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../util/errors.js';
import { openModelDir } from '../model-dir.js';
import { requireRole } from './auth.js';
import { materialise, storeDirFiles } from './blobs.js';
import { checkoutDir } from './layout.js';
import { findModel, type Registry } from './open.js';
import { logAction } from './schema.js';
import type { DataFingerprint, ModelEnergy, ModelRecord } from './types.js';

export interface RegisterInfo {
  /** Registry name; default the manifest's name. */
  name?: string;
  metrics?: Record<string, number>;
  energy?: ModelEnergy;
  params?: Record<string, unknown>;
  data?: DataFingerprint | null;
  /** Registry name of the parent (default: the manifest's lineage.parent); its latest version is linked. */
  parentName?: string;
}

/** Test-only: VERDE_REGISTRY_TEST_CRASH=after-files kills this process between the files and the transaction. */
const CRASH_HOOK = 'VERDE_REGISTRY_TEST_CRASH';

export function checkName(name: string, flag = '--name'): string {
  if (!/^[A-Za-z0-9][\w.-]{0,63}$/.test(name)) throw new UserError(`${flag}: "${name}" must start with a letter or digit and hold 1-64 letters, digits or . _ -`);
  return name;
}

export async function registerModelDir(reg: Registry, dir: string, info: RegisterInfo = {}): Promise<ModelRecord> {
  requireRole(reg.actor, 'register', 'developer');
  const md = await openModelDir(dir);
  const m = md.manifest;
  const name = checkName(info.name ?? m.name);
  const files = await storeDirFiles(reg.layout, md.dir);
  if (process.env[CRASH_HOOK] === 'after-files') process.kill(process.pid, 'SIGKILL');
  const staging = join(reg.layout.checkouts, name, `.staging-${randomUUID()}`);
  await mkdir(staging, { recursive: true });
  try {
    await materialise(reg.layout, files, staging);
    const id = randomUUID();
    const now = new Date().toISOString();
    const parentName = info.parentName ?? m.lineage?.parent;
    const { parent: _p, params: lineageParams, ...lineageRest } = m.lineage ?? {};
    const version = reg.db.transaction(() => {
      const v = ((reg.db.prepare('SELECT MAX(version) AS v FROM models WHERE name = ?').get(name) as { v: number | null }).v ?? 0) + 1;
      const parent = parentName ? findModel(reg.db, parentName, null) : undefined;
      const lineage = { ...lineageRest, ...(parentName ? { parent: parent ? `${parent.name}@${parent.version}` : parentName } : {}) };
      reg.db.prepare(`INSERT INTO models (id, name, version, registered_at, registered_by, task, labels, manifest_version, source_dir,
        lineage, parent_id, params, metrics, energy, size_bytes, data, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        id, name, v, now, reg.actor.who, m.task, JSON.stringify(m.labels), m.version, md.dir, JSON.stringify(lineage), parent?.id ?? null,
        JSON.stringify({ ...(lineageParams ?? {}), ...(info.params ?? {}) }), JSON.stringify(info.metrics ?? {}),
        JSON.stringify(info.energy ?? { trainJ: null, trainCo2eG: null, jPerInference: null, method: 'unknown' }),
        files.reduce((a, f) => a + f.bytes, 0), JSON.stringify(info.data ?? null), JSON.stringify(files),
      );
      logAction(reg.db, reg.actor.who, 'register', `${name}@${v}`, { id, from: md.dir, parent: lineage.parent ?? null });
      return v;
    }).immediate();
    const dest = checkoutDir(reg.layout, name, version);
    await rm(dest, { recursive: true, force: true }); // a stale directory of a crashed register
    await rename(staging, dest);
    return findModel(reg.db, name, version)!;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
