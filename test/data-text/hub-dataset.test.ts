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
    await assert.rejects(loadTextData({ dataset: 'sst2', env }), /--dataset sst2: unknown dataset id \(known: imdb, spam-assassin\)/);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});
