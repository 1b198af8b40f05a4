/** Shared pieces of the registry tests: a temp registry root and tiny real model directories. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyTabularModel, TINY_TABULAR_FEATURES } from '../../src/bench-serve/tiny-models.js';
import { tabularFingerprint } from '../../src/govern/fingerprint.js';
import type { DataFingerprint } from '../../src/registry/db/types.js';
import { matrix } from '../../src/tabular/matrix.js';
import { mulberry32 } from '../../src/util/random.js';
import { runVerde } from '../fixtures/cli.js';

export const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'register-child.js');

export async function tempDir(prefix: string): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}

export async function tinyModel(dir: string, opts: Parameters<typeof writeTinyTabularModel>[1] = {}): Promise<string> {
  await writeTinyTabularModel(dir, opts);
  return dir;
}

/** Synthetic rows in the tiny model's feature order (amount, hour, channel index), with `shift` added to amount. */
export function tinyRows(n: number, seed = 1, shift = 0): number[][] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => [Math.round(r() * 300) + shift, Math.floor(r() * 24), Math.floor(r() * 3)]);
}

/** The tiny model's training fingerprint over `n` synthetic rows. */
export function tinyFingerprint(hash = 'tiny-data', n = 400): DataFingerprint {
  const rows = tinyRows(n);
  const x = matrix(n, 3, Float32Array.from(rows.flat()));
  const y = Uint8Array.from(rows.map((row) => (row[0]! > 200 ? 1 : 0)));
  return tabularFingerprint({ hash, source: 'synthetic test rows', features: TINY_TABULAR_FEATURES, x, y, labels: ['legit', 'fraud'] });
}

/** The built CLI, which must succeed; its stdout. */
export async function verdeOk(args: string[]): Promise<string> {
  const r = await runVerde(args);
  if (r.code !== 0) throw new Error(`verde ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Tokens through the CLI: an admin (from then on every action needs a token), a developer and an approver. */
export async function cliTokens(reg: string): Promise<{ admin: string; dev: string; ann: string }> {
  const token = async (role: string, name: string, admin?: string) => (JSON.parse(await verdeOk(['registry', 'token', 'create', '--role', role, '--name', name, '--json', '--registry', reg, ...(admin ? ['--token', admin] : [])])) as { token: string }).token;
  const admin = await token('admin', 'root');
  return { admin, dev: await token('developer', 'dev', admin), ann: await token('approver', 'ann', admin) };
}

/** `production` through the approval flow: the developer requests, the approver (another person) approves. */
export async function approveProduction(reg: string, name: string, version: number, t: { dev: string; ann: string }): Promise<void> {
  const id = /request (\d+)/.exec(await verdeOk(['registry', 'alias', 'request', name, 'production', String(version), '--registry', reg, '--token', t.dev]))![1]!;
  await verdeOk(['registry', 'approve', id, '--registry', reg, '--token', t.ann]);
}
