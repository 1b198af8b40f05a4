import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTextData, hubDatasetCachePath, KNOWN_HUB_DATASETS } from '../../src/data/text/index.js';
import { closedPortEndpoint, startFakeHub } from '../hub/serve-fixture.js';
import { writeParquet } from './parquet.js';

test('--dataset imdb: Parquet conversion fetched from HF_ENDPOINT (a real HTTP server), cached, labels neg/pos', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-imdb-'));
  const repo = join(root, 'repo');
  const cache = join(root, 'cache');
  const conv = join(repo, 'refs_convert_parquet', 'plain_text');
  await mkdir(join(conv, 'train'), { recursive: true });
  await mkdir(join(conv, 'test'), { recursive: true });
  const rows = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ text: `${tag} review ${i} ${i % 2 ? 'great' : 'awful'}`, label: i % 2 }));
  await writeParquet(join(conv, 'train', '0000.parquet'), rows(60, 'train'), 'BIGINT');
  await writeParquet(join(conv, 'test', '0000.parquet'), rows(40, 'test'), 'BIGINT');
  const hub = await startFakeHub({ repos: { 'datasets/stanfordnlp/imdb': repo } });
  try {
    const env = { VERDE_CACHE: cache, HF_ENDPOINT: hub.endpoint };
    const s = await loadTextData({ dataset: 'imdb', trainSize: 20, testSize: 10, env });
    assert.deepEqual(s.labelNames, ['neg', 'pos']);
    assert.equal(s.train.texts.length, 20);
    assert.equal(s.validation.texts.length, 2);
    assert.equal(s.test.texts.length, 10);
    assert.ok(s.train.texts.every((t) => t.startsWith('train')));
    assert.ok(s.test.texts.every((t) => t.startsWith('test')), 'test set drawn from the test split');
    s.test.texts.forEach((t, i) => assert.equal(s.labelNames[s.test.labels[i]!], t.endsWith('great') ? 'pos' : 'neg'));
    assert.ok(hub.requests.includes('/datasets/stanfordnlp/imdb/resolve/refs/convert/parquet/plain_text/train/0000.parquet'));
    const n = hub.requests.length;
    await loadTextData({ dataset: 'imdb', trainSize: 20, testSize: 10, env });
    assert.equal(hub.requests.length, n, 'second run reads the cache');
    assert.equal(hubDatasetCachePath(KNOWN_HUB_DATASETS.imdb!, 'train', env), join(cache, 'datasets', 'stanfordnlp--imdb', 'plain_text', 'train.parquet'));
  } finally {
    await hub.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('--dataset offline or unknown: one clear error saying what to fetch', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'verde-imdb-off-'));
  try {
    const env = { VERDE_CACHE: cache, HF_ENDPOINT: await closedPortEndpoint() };
    await assert.rejects(loadTextData({ dataset: 'imdb', env }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, /^--dataset imdb: cannot download \(no answer from http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\); to use it offline, fetch http:\/\/127\.0\.0\.1:\d+\/datasets\/stanfordnlp\/imdb\/resolve\/refs%2Fconvert%2Fparquet\/plain_text\/train\/0000\.parquet -> /);
      assert.ok(e.message.includes(join(cache, 'datasets', 'stanfordnlp--imdb', 'plain_text', 'test.parquet')));
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    assert.deepEqual(await readdir(cache).catch(() => []), [], 'nothing written');
    await assert.rejects(loadTextData({ dataset: 'imdb', env: { ...env, HF_HUB_OFFLINE: '1' } }), /not in the cache and HF_HUB_OFFLINE/);
    await assert.rejects(loadTextData({ dataset: 'sst2', env }), /--dataset sst2: unknown dataset id \(known: imdb, spam-assassin, or a Hub id org\/name when online\)/);
    await assert.rejects(loadTextData({ dataset: 'glue/sst2', env }), /^UserError: --dataset glue\/sst2: cannot download \(no answer from .*ECONNREFUSED.*\); offline, fetch its Parquet files \(listed at http:\/\/127\.0\.0\.1:\d+\/api\/datasets\/glue\/sst2\/parquet\) and pass one with --data$/);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test('--dataset org/name: any Hub dataset through its Parquet listing (shards, validation as test), cached', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-anyds-'));
  const repo = join(root, 'repo');
  const cache = join(root, 'cache');
  const conv = join(repo, 'refs_convert_parquet', 'default');
  for (const split of ['train', 'validation']) await mkdir(join(conv, split), { recursive: true });
  const rows = (n: number, tag: string, from = 0) => Array.from({ length: n }, (_, i) => ({ text: `${tag} ${from + i}`, label: (from + i) % 3 === 0 ? 'pos' : 'neg' }));
  await writeParquet(join(conv, 'train', '0000.parquet'), rows(30, 'train'), 'VARCHAR');
  await writeParquet(join(conv, 'train', '0001.parquet'), rows(30, 'train', 30), 'VARCHAR');
  await writeParquet(join(conv, 'validation', '0000.parquet'), rows(15, 'val'), 'VARCHAR');
  const shard = (e: string, split: string, n: string) => `${e}/datasets/someone/reviews/resolve/refs%2Fconvert%2Fparquet/default/${split}/${n}.parquet`;
  const hub = await startFakeHub({
    repos: { 'datasets/someone/reviews': repo },
    json: {
      '/api/datasets/someone/reviews/parquet': (e: string) => ({
        other: { train: ['x'] },
        default: { train: [shard(e, 'train', '0000'), shard(e, 'train', '0001')], validation: [shard(e, 'validation', '0000')] },
      }),
    },
  });
  try {
    const env = { VERDE_CACHE: cache, HF_ENDPOINT: hub.endpoint };
    const s = await loadTextData({ dataset: 'someone/reviews', trainSize: 40, testSize: 9, env });
    assert.deepEqual(s.labelNames, ['neg', 'pos']);
    assert.equal(s.train.texts.length, 40);
    assert.ok(s.train.texts.some((t) => Number(t.split(' ')[1]) >= 30), 'both train shards read');
    assert.ok(s.test.texts.every((t) => t.startsWith('val')), 'validation split used as the test pool');
    assert.equal(s.test.labels.filter((l) => l === 1).length, 3, 'stratified: a third pos');
    const n = hub.requests.length;
    await loadTextData({ dataset: 'someone/reviews', trainSize: 40, testSize: 9, env });
    assert.equal(hub.requests.length, n, 'second run reads the cache');
    await assert.rejects(loadTextData({ dataset: 'someone/missing', env }), /--dataset someone\/missing: no such dataset on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404/);
    await assert.rejects(loadTextData({ dataset: 'someone/reviews', textCol: 'body', env }), /train\/\*\.parquet: no column "body" \(columns: text, label\)/);
  } finally {
    await hub.close();
    await rm(root, { recursive: true, force: true });
  }
});
