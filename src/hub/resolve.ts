/**
 * Turn what the user typed after --model into a local Hugging Face model directory: an existing
 * path is used as is; a Hub id ("distilbert-base-uncased", "org/name") is served from the cache,
 * downloading the missing files first when online. Offline (or HF_HUB_OFFLINE=1), a one-line error
 * lists the files to fetch and the directory to put them in.
 */
import { join } from 'node:path';
import { exists } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { modelCacheDir } from './cache.js';
import { downloadFile, HubHttpError, HubUnreachable } from './download.js';
import { hubEndpoint, hubOffline, looksLikeRepoId, modelFileUrl } from './endpoint.js';
import { CONFIG_FILE, SAFETENSORS_FILE } from './hf-dir.js';

/** Files fetched for a model: [file, required]. One of vocab.txt / tokenizer.json must exist. */
export const MODEL_FILES: ReadonlyArray<readonly [string, boolean]> = [
  [CONFIG_FILE, true],
  [SAFETENSORS_FILE, true],
  ['tokenizer_config.json', false],
  ['vocab.txt', false],
  ['tokenizer.json', false],
];

export interface ResolveOptions {
  revision?: string;
  env?: NodeJS.ProcessEnv;
}

function offlineMessage(repoId: string, dir: string, revision: string, env: NodeJS.ProcessEnv, why: string): string {
  return `${repoId}: ${why}; to use it offline, fetch config.json, model.safetensors, vocab.txt and tokenizer_config.json ` +
    `from ${hubEndpoint(env)}/${repoId}/tree/${revision} and put them in ${dir} (or in any directory and pass --model DIR)`;
}

async function hasCompleteCache(dir: string): Promise<boolean> {
  return (await exists(join(dir, CONFIG_FILE))) && (await exists(join(dir, SAFETENSORS_FILE))) &&
    ((await exists(join(dir, 'vocab.txt'))) || (await exists(join(dir, 'tokenizer.json'))));
}

/** Download (or find in the cache) the files of Hub model `repoId`; returns the local directory. */
export async function fetchHubModel(repoId: string, opts: ResolveOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const revision = opts.revision ?? 'main';
  const dir = modelCacheDir(repoId, revision, env);
  if (await hasCompleteCache(dir)) return dir;
  if (hubOffline(env)) throw new UserError(offlineMessage(repoId, dir, revision, env, 'not in the cache and HF_HUB_OFFLINE/VERDE_OFFLINE is set'));
  for (const [file, required] of MODEL_FILES) {
    const dest = join(dir, file);
    if (await exists(dest)) continue;
    if (file === 'tokenizer.json' && (await exists(join(dir, 'vocab.txt')))) continue; // vocab.txt is enough
    const url = modelFileUrl(repoId, file, revision, env);
    try {
      await downloadFile(url, dest, { label: `download ${repoId}/${file}` });
    } catch (err) {
      if (err instanceof HubUnreachable) throw new UserError(offlineMessage(repoId, dir, revision, env, `cannot download (${err.message})`));
      if (err instanceof HubHttpError) {
        if (err.status === 404 && !required) continue;
        if (err.status === 404 && file === CONFIG_FILE) throw new UserError(`${repoId}: no such model on ${hubEndpoint(env)} (HTTP 404 for ${url})`);
        if (err.status === 404 && file === SAFETENSORS_FILE) {
          throw new UserError(`${repoId}: the repository has no ${SAFETENSORS_FILE} (HTTP 404 for ${url}); pytorch_model.bin is not supported — convert it to safetensors and pass --model DIR`);
        }
        if (err.status === 401 || err.status === 403) throw new UserError(`${repoId}: access denied (HTTP ${err.status} for ${url}); gated or private models: download them yourself and pass --model DIR`);
        throw new UserError(`${repoId}: download failed (HTTP ${err.status} for ${url})`);
      }
      throw err;
    }
  }
  if (!(await hasCompleteCache(dir))) throw new UserError(`${repoId}: the repository has neither vocab.txt nor tokenizer.json`);
  return dir;
}

/** A local directory for `model`: the path itself if it exists, else the Hub id fetched into the cache. */
export async function resolveModelDir(model: string, opts: ResolveOptions = {}): Promise<string> {
  if (await exists(model)) return model;
  if (!looksLikeRepoId(model)) throw new UserError(`--model ${model}: no such directory`);
  try {
    return await fetchHubModel(model, opts);
  } catch (err) {
    // "org/name" may just as well be a mistyped relative path: say both.
    if (err instanceof UserError && model.includes('/')) throw new UserError(`--model ${model}: no such directory, and as a Hub id: ${err.message}`);
    throw err;
  }
}
