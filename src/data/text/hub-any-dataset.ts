/**
 * Any Hub dataset by id (`--dataset org/name`), through the Parquet conversion the Hub lists at
 * <endpoint>/api/datasets/<id>/parquet ({config: {split: [shard URLs]}}). The config "default" or
 * "plain_text" is preferred, else the first; the test split is "test", else "validation", else the
 * train split is split three ways. Shards are downloaded once into the cache; listing.json is
 * written last, so a cache directory without it is an unfinished download and is fetched again.
 * Text and label columns come from --text-col / --label-col (default text / label).
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { exists, writeJsonAtomic } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import { datasetCacheDir } from '../../hub/cache.js';
import { downloadFile, fetchJson, HubHttpError, HubUnreachable } from '../../hub/download.js';
import { hubEndpoint, hubOffline } from '../../hub/endpoint.js';
import { readTextTable } from './files.js';
import type { TextDataset } from './types.js';

interface Listing {
  id: string;
  config: string;
  train: string;
  test?: string;
}

function pickConfig(configs: string[]): string {
  return configs.find((c) => c === 'default') ?? configs.find((c) => c === 'plain_text') ?? configs[0]!;
}

async function fetchListing(id: string, root: string, env: NodeJS.ProcessEnv): Promise<Listing> {
  const listingPath = join(root, 'listing.json');
  if (await exists(listingPath)) return JSON.parse(await readFile(listingPath, 'utf8')) as Listing;
  const api = `${hubEndpoint(env)}/api/datasets/${id}/parquet`;
  const offlineHint = `fetch its Parquet files (listed at ${api}) and pass one with --data`;
  if (hubOffline(env)) throw new UserError(`--dataset ${id}: not in the cache and HF_HUB_OFFLINE/VERDE_OFFLINE is set; ${offlineHint}`);
  const wrap = (err: unknown): never => {
    if (err instanceof HubUnreachable) throw new UserError(`--dataset ${id}: cannot download (${err.message}); offline, ${offlineHint}`);
    if (err instanceof HubHttpError) {
      throw new UserError(err.status === 404 ? `--dataset ${id}: no such dataset on ${hubEndpoint(env)} (HTTP 404 for ${err.url})` : `--dataset ${id}: download failed (HTTP ${err.status} for ${err.url})`);
    }
    throw err;
  };
  let listing: unknown;
  try {
    listing = await fetchJson(api);
  } catch (err) {
    wrap(err);
  }
  if (!listing || typeof listing !== 'object' || Array.isArray(listing)) throw new UserError(`--dataset ${id}: unexpected answer from ${api}`);
  const byConfig = listing as Record<string, Record<string, string[]>>;
  const config = pickConfig(Object.keys(byConfig));
  const splits = config ? byConfig[config] ?? {} : {};
  if (!splits.train?.length) throw new UserError(`--dataset ${id}: no train split in its Parquet conversion (${api})`);
  const testSplit = splits.test?.length ? 'test' : splits.validation?.length ? 'validation' : undefined;
  for (const split of ['train', testSplit].filter((s): s is string => !!s)) {
    for (const [i, url] of splits[split]!.entries()) {
      try {
        await downloadFile(url, join(root, config, split, `${String(i).padStart(4, '0')}.parquet`), { label: `download ${id} ${split}` });
      } catch (err) {
        wrap(err);
      }
    }
  }
  const result: Listing = { id, config, train: 'train', test: testSplit };
  await writeJsonAtomic(listingPath, result);
  return result;
}

/** Train (and test, when the dataset has one) pools of Hub dataset `id`. */
export async function loadAnyHubDataset(
  id: string,
  opts: { textCol?: string; labelCol?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ train: TextDataset; test?: TextDataset }> {
  const env = opts.env ?? process.env;
  const root = join(datasetCacheDir(env), id.replace(/\//g, '--'));
  const listing = await fetchListing(id, root, env);
  const read = async (split: string) => ({
    ...(await readTextTable(join(root, listing.config, split, '*.parquet'), { textCol: opts.textCol, labelCol: opts.labelCol })),
    source: `${id}:${split}`,
  });
  const train = await read(listing.train);
  const test = listing.test ? await read(listing.test) : undefined;
  if (test && train.labelNames.join('\u0000') !== test.labelNames.join('\u0000')) {
    throw new UserError(`--dataset ${id}: train labels (${train.labelNames.join(', ')}) differ from ${listing.test} labels (${test.labelNames.join(', ')})`);
  }
  return { train, test };
}
