/**
 * Text datasets from the Hugging Face Hub, read from the Parquet conversion the Hub keeps of every
 * dataset (branch refs/convert/parquet: <config>/<split>/0000.parquet). Files are downloaded once
 * into the cache (atomically) and read through DuckDB; offline, a one-line error lists the URLs to
 * fetch and the paths to put them at.
 */
import { join } from 'node:path';
import { exists } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import { datasetCacheDir } from '../../hub/cache.js';
import { downloadFile, HubHttpError, HubUnreachable } from '../../hub/download.js';
import { datasetFileUrl, hubOffline } from '../../hub/endpoint.js';
import { readTextTable } from './files.js';
import type { TextDataset } from './types.js';

export interface HubTextDataset {
  /** Hub repository, e.g. "stanfordnlp/imdb". */
  repo: string;
  config: string;
  textCol: string;
  labelCol: string;
  /** Names of the integer classes (the dataset's ClassLabel names). */
  labelNames?: Record<string, string>;
  trainSplit: string;
  testSplit: string;
}

/** Datasets known by a short id (`--dataset imdb`). */
export const KNOWN_HUB_DATASETS: Record<string, HubTextDataset> = {
  imdb: {
    repo: 'stanfordnlp/imdb', config: 'plain_text', textCol: 'text', labelCol: 'label',
    labelNames: { '0': 'neg', '1': 'pos' }, trainSplit: 'train', testSplit: 'test',
  },
};

const PARQUET_REVISION = 'refs/convert/parquet';

function shardFile(d: HubTextDataset, split: string): string {
  return `${d.config}/${split}/0000.parquet`;
}

export function hubDatasetCachePath(d: HubTextDataset, split: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(datasetCacheDir(env), d.repo.replace(/\//g, '--'), d.config, `${split}.parquet`);
}

async function fetchSplit(id: string, d: HubTextDataset, split: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dest = hubDatasetCachePath(d, split, env);
  if (await exists(dest)) return dest;
  const wanted = [d.trainSplit, d.testSplit]
    .map((s) => `${datasetFileUrl(d.repo, shardFile(d, s), PARQUET_REVISION, env)} -> ${hubDatasetCachePath(d, s, env)}`)
    .join(', ');
  if (hubOffline(env)) throw new UserError(`--dataset ${id}: not in the cache and HF_HUB_OFFLINE/VERDE_OFFLINE is set; to use it offline, fetch ${wanted}`);
  const url = datasetFileUrl(d.repo, shardFile(d, split), PARQUET_REVISION, env);
  try {
    await downloadFile(url, dest, { label: `download ${id} ${split}` });
  } catch (err) {
    if (err instanceof HubUnreachable) throw new UserError(`--dataset ${id}: cannot download (${err.message}); to use it offline, fetch ${wanted} (or pass a local file with --data)`);
    if (err instanceof HubHttpError) throw new UserError(`--dataset ${id}: download failed (HTTP ${err.status} for ${url})`);
    throw err;
  }
  return dest;
}

/** Train and test pools of a known Hub dataset. */
export async function loadHubTextDataset(id: string, env: NodeJS.ProcessEnv = process.env): Promise<{ train: TextDataset; test: TextDataset }> {
  const d = KNOWN_HUB_DATASETS[id] ?? Object.values(KNOWN_HUB_DATASETS).find((k) => k.repo === id);
  if (!d) {
    throw new UserError(`--dataset ${id}: unknown dataset id (known: ${Object.keys(KNOWN_HUB_DATASETS).join(', ')}, spam-assassin, or a Hub id org/name when online); for other data pass a CSV, JSONL or Parquet file with --data`);
  }
  const read = async (split: string): Promise<TextDataset> => {
    const file = await fetchSplit(id, d, split, env);
    const ds = await readTextTable(file, { textCol: d.textCol, labelCol: d.labelCol, labelNames: d.labelNames });
    return { ...ds, source: `${id}:${split}` };
  };
  const train = await read(d.trainSplit);
  const test = await read(d.testSplit);
  if (train.labelNames.join('\u0000') !== test.labelNames.join('\u0000')) {
    throw new UserError(`--dataset ${id}: train labels (${train.labelNames.join(', ')}) differ from test labels (${test.labelNames.join(', ')})`);
  }
  return { train, test };
}
