/**
 * Where downloaded models and datasets are kept. Root: $VERDE_CACHE if set, else $HF_HOME/verde if
 * HF_HOME is set (people point HF_HOME at a big disk), else $XDG_CACHE_HOME/verde or ~/.cache/verde.
 * Models live under <root>/hub/<org>--<name>/<revision>/, datasets under <root>/datasets/.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function verdeCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VERDE_CACHE) return env.VERDE_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'verde');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'verde');
}

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(verdeCacheRoot(env), 'hub');
}

export function datasetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(verdeCacheRoot(env), 'datasets');
}

/** The cache directory of one Hub model at one revision. */
export function modelCacheDir(repoId: string, revision = 'main', env: NodeJS.ProcessEnv = process.env): string {
  return join(hubCacheDir(env), repoId.replace(/\//g, '--'), revision.replace(/\//g, '--'));
}
