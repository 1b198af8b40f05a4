import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchHubModel, loadHfModel, loadHfModelDir, modelCacheDir, resolveModelDir, verdeCacheRoot} from '../../src/hub/index.js';
import { fixturePath } from '../fixtures/paths.js';
import { closedPortEndpoint, startFakeHub } from './serve-fixture.js';

const TINY = fixturePath('tiny-distilbert');

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

test('a local Hugging Face directory opens: config, labels, weights path, tokenizer', async () => {
  const m = await loadHfModelDir(TINY);
  assert.equal(m.config.dim, 32);
  assert.equal(m.config.nLayers, 2);
  assert.equal(m.config.nHeads, 2);
  assert.equal(m.config.hiddenDim, 64);
  assert.equal(m.config.vocabSize, 122);
  assert.equal(m.config.maxPositions, 64);
  assert.deepEqual(m.labels, ['NEGATIVE', 'POSITIVE']);
  assert.equal(m.weightsPath, join(TINY, 'model.safetensors'));
  assert.equal(m.tokenizer.maxLength, 64);
  assert.deepEqual(m.tokenizer.encode('Hello, world!'), [2, 102, 10, 103, 5, 3], '[CLS]=2 hello=102 ,=10 world=103 !=5 [SEP]=3 in the fixture vocab');
});

test('cache root honours VERDE_CACHE, then HF_HOME, then ~/.cache', () => {
  assert.equal(verdeCacheRoot({ VERDE_CACHE: '/a', HF_HOME: '/b' }), '/a');
  assert.equal(verdeCacheRoot({ HF_HOME: '/b' }), join('/b', 'verde'));
  assert.equal(verdeCacheRoot({ XDG_CACHE_HOME: '/c' }), join('/c', 'verde'));
  assert.equal(modelCacheDir('org/name', 'main', { VERDE_CACHE: '/a' }), join('/a', 'hub', 'org--name', 'main'));
});

test('Hub id: downloaded from HF_ENDPOINT (a real HTTP server) into the cache, then served from the cache', async () => {
  const cache = await tempDir('verde-hub-cache-');
  const hub = await startFakeHub({ repos: { 'verde-test/tiny-distilbert': TINY }, redirects: { 'tiny-distilbert': 'verde-test/tiny-distilbert' } });
  try {
    const env = { VERDE_CACHE: cache, HF_ENDPOINT: hub.endpoint };
    const dir = await fetchHubModel('tiny-distilbert', { env });
    assert.equal(dir, join(cache, 'hub', 'tiny-distilbert', 'main'));
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']) {
      assert.deepEqual(await readFile(join(dir, f)), await readFile(join(TINY, f)), `${f} byte-identical`);
    }
    assert.ok(hub.requests.includes('/tiny-distilbert/resolve/main/config.json'));
    assert.ok(hub.requests.includes('/verde-test/tiny-distilbert/resolve/main/model.safetensors'), 'legacy id redirect followed');
    assert.ok(!hub.requests.some((p) => p.endsWith('tokenizer.json')), 'tokenizer.json not needed when vocab.txt exists');
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('.')), [], 'no temporary files left');
    const n = hub.requests.length;
    const m = await loadHfModel('tiny-distilbert', { env });
    assert.deepEqual(m.labels, ['NEGATIVE', 'POSITIVE']);
    assert.equal(hub.requests.length, n, 'second load served from the cache, no request');
  } finally {
    await hub.close();
    await rm(cache, { recursive: true, force: true });
  }
});

test('offline: one clear error naming the files to fetch and where to put them; nothing half-written', async () => {
  const cache = await tempDir('verde-hub-offline-');
  try {
    const env = { VERDE_CACHE: cache, HF_ENDPOINT: await closedPortEndpoint() };
    const expected = join(cache, 'hub', 'distilbert-base-uncased', 'main');
    await assert.rejects(resolveModelDir('distilbert-base-uncased', { env }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, /^distilbert-base-uncased: cannot download \(no answer from http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\)/);
      assert.match(e.message, /fetch config\.json, model\.safetensors, vocab\.txt and tokenizer_config\.json from http:\/\/127\.0\.0\.1:\d+\/distilbert-base-uncased\/tree\/main/);
      assert.ok(e.message.includes(`put them in ${expected}`), e.message);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
    await assert.rejects(resolveModelDir('distilbert-base-uncased', { env: { ...env, HF_HUB_OFFLINE: '1' } }), /not in the cache and HF_HUB_OFFLINE\/VERDE_OFFLINE is set/);
    await assert.rejects(resolveModelDir('./no/such/dir.onnx', { env }), /--model \.\/no\/such\/dir\.onnx: no such directory/);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test('Hub errors: unknown repo, no safetensors, interrupted download leaves no partial file', async () => {
  const cache = await tempDir('verde-hub-err-');
  const binOnly = await tempDir('verde-hub-bin-');
  await cp(join(TINY, 'config.json'), join(binOnly, 'config.json'));
  await writeFile(join(binOnly, 'pytorch_model.bin'), 'pickle');
  const hub = await startFakeHub({
    repos: { 'x/tiny': TINY, 'x/bin-only': binOnly, 'x/cut': TINY },
    truncate: ['/x/cut/resolve/main/model.safetensors'],
  });
  try {
    const env = { VERDE_CACHE: cache, HF_ENDPOINT: hub.endpoint };
    await assert.rejects(fetchHubModel('x/nope', { env }), /x\/nope: no such model on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404/);
    await assert.rejects(fetchHubModel('x/bin-only', { env }), /x\/bin-only: the repository has no model\.safetensors .*pytorch_model\.bin is not supported/);
    await assert.rejects(fetchHubModel('x/cut', { env }), /x\/cut: cannot download .*download interrupted/);
    const cutDir = modelCacheDir('x/cut', 'main', env);
    assert.deepEqual((await readdir(cutDir)).sort(), ['config.json'], 'no partial model.safetensors, no temp file');
  } finally {
    await hub.close();
    await rm(cache, { recursive: true, force: true });
    await rm(binOnly, { recursive: true, force: true });
  }
});

test('bad model directories: one-line errors naming file and field', async () => {
  const dir = await tempDir('verde-hfdir-bad-');
  try {
    await assert.rejects(loadHfModelDir(dir), /no config\.json \(not a Hugging Face model directory\)/);
    await writeFile(join(dir, 'config.json'), '{"dim": 32,');
    await assert.rejects(loadHfModelDir(dir), /config\.json: not valid JSON/);
    const cfg = JSON.parse(await readFile(join(TINY, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, n_heads: 5 }));
    await assert.rejects(loadHfModelDir(dir), /config\.json: field "dim"/);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 'bert' }));
    await assert.rejects(loadHfModelDir(dir), /config\.json: field "model_type" is "bert"/);
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, num_labels: 3 }));
    await assert.rejects(loadHfModelDir(dir), /config\.json: field "num_labels" is 3 but "id2label" has 2 labels/);
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    await writeFile(join(dir, 'pytorch_model.bin'), 'pickle');
    await assert.rejects(loadHfModelDir(dir), /pytorch_model\.bin: PyTorch pickle weights are not supported \(verde reads model\.safetensors only\)/);
    await cp(join(TINY, 'model.safetensors'), join(dir, 'model.safetensors'));
    await assert.rejects(loadHfModelDir(dir), /no tokenizer: expected vocab\.txt or tokenizer\.json/);
    await cp(join(TINY, 'vocab.txt'), join(dir, 'vocab.txt'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, vocab_size: 50 }));
    await assert.rejects(loadHfModelDir(dir), /config\.json: field "vocab_size" is 50 but the tokenizer has 122 tokens/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
