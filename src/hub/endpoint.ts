/**
 * The Hugging Face Hub's address. HF_ENDPOINT overrides it, as in huggingface_hub (mirrors, and
 * tests serving a fixture from 127.0.0.1). HF_HUB_OFFLINE=1 (huggingface_hub's switch) or
 * VERDE_OFFLINE=1 forbids network access: only the cache is used.
 */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

export function hubOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v);
  return on(env.HF_HUB_OFFLINE) || on(env.VERDE_OFFLINE);
}

/** URL of a file in a model repository: <endpoint>/<repo>/resolve/<revision>/<file>. */
export function modelFileUrl(repoId: string, file: string, revision = 'main', env: NodeJS.ProcessEnv = process.env): string {
  return `${hubEndpoint(env)}/${repoId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/** URL of a file in a dataset repository (revision may contain "/", e.g. refs/convert/parquet). */
export function datasetFileUrl(repoId: string, file: string, revision = 'main', env: NodeJS.ProcessEnv = process.env): string {
  return `${hubEndpoint(env)}/datasets/${repoId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/** A Hub repository id ("distilbert-base-uncased", "org/name"), as opposed to a local path. */
export function looksLikeRepoId(s: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(s) && !s.includes('..') && !/\.(json|onnx|safetensors|txt)$/.test(s);
}
