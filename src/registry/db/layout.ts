/**
 * Where things live under a registry root (see docs/registry.md and the contract with `verde serve
 * --registry`): registry.db, blobs/ (content-addressed model files), checkouts/<name>/<version>/
 * (ordinary model directories), aliases/<name>/<alias>.json (pointer files), usage/ (serve's usage
 * files), archive/ (zstd-compressed blobs of archived versions).
 */
import { join, resolve } from 'node:path';

export const DEFAULT_REGISTRY = './verde-out/registry';
export const REGISTRY_ENV = 'VERDE_REGISTRY';
export const TOKEN_ENV = 'VERDE_REGISTRY_TOKEN';

export interface RegistryLayout {
  root: string;
  db: string;
  blobs: string;
  archive: string;
  checkouts: string;
  aliases: string;
  usage: string;
}

/** --registry, else VERDE_REGISTRY, else ./verde-out/registry. */
export function registryLayout(flag?: string, env: NodeJS.ProcessEnv = process.env): RegistryLayout {
  const root = resolve(flag ?? (env[REGISTRY_ENV] || DEFAULT_REGISTRY));
  return {
    root,
    db: join(root, 'registry.db'),
    blobs: join(root, 'blobs'),
    archive: join(root, 'archive'),
    checkouts: join(root, 'checkouts'),
    aliases: join(root, 'aliases'),
    usage: join(root, 'usage'),
  };
}

export const blobPath = (l: RegistryLayout, sha: string) => join(l.blobs, sha.slice(0, 2), sha);
export const archivedBlobPath = (l: RegistryLayout, sha: string) => join(l.archive, sha.slice(0, 2), `${sha}.zst`);
export const checkoutRel = (name: string, version: number) => `checkouts/${name}/${version}`;
export const checkoutDir = (l: RegistryLayout, name: string, version: number) => join(l.checkouts, name, String(version));
export const aliasFile = (l: RegistryLayout, name: string, alias: string) => join(l.aliases, name, `${alias}.json`);
