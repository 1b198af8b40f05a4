/** Hugging Face model directories and the Hub: config, weights path, tokenizer; cache and downloads. */
export { loadHfModelDir, isHfModelDir, findSafetensors, safetensorsTensorNames, readJsonFile, CONFIG_FILE, SAFETENSORS_FILE, PYTORCH_BIN_FILE, type HfModelDir } from './hf-dir.js';
export type { DistilBertConfig } from '../models/distilbert/config.js';
export { resolveModelDir, fetchHubModel, MODEL_FILES, type ResolveOptions } from './resolve.js';
export { hubEndpoint, hubOffline, modelFileUrl, datasetFileUrl, looksLikeRepoId, DEFAULT_HUB_ENDPOINT } from './endpoint.js';
export { verdeCacheRoot, hubCacheDir, datasetCacheDir, modelCacheDir } from './cache.js';
export { downloadFile, fetchJson, HubUnreachable, HubHttpError } from './download.js';

import { loadHfModelDir, type HfModelDir } from './hf-dir.js';
import { resolveModelDir, type ResolveOptions } from './resolve.js';

/** Open a DistilBERT model given a local directory or a Hub id (downloaded into the cache when online). */
export async function loadHfModel(model: string, opts: ResolveOptions = {}): Promise<HfModelDir> {
  return loadHfModelDir(await resolveModelDir(model, opts));
}
