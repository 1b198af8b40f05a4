/**
 * The HTTP edges of issue 12 (items 7, 8 and 10): text that is empty once normalised, Fastify's and
 * Node's own error shapes, 405 with Allow, a path without an action, ONNX Runtime internals kept out
 * of error bodies, echoes of client input capped, the :feedback store bounded in bytes, and an
 * empty token refused. All against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { loadTokenizer } from '../../src/tokenizers/index.js';
import { writeTinyTabularModel } from '../../src/bench-serve/tiny-models.js';
import { fixture, metric, postJson, request, type Fixture } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Send raw bytes and return what the server wrote back before closing. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

function jsonBody(response: string): { error: { status: number; field: string | null; message: string } } {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

/**
 * The tiny tabular model with a Reshape to one row in the middle: valid, and fine for one
 * instance, but ONNX Runtime fails on a batch of two with a message naming graph internals.
 */
async function writeOneRowModel(dir: string): Promise<void> {
  await writeTinyTabularModel(dir, { name: 'one-row' });
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(await readFile(join(dir, 'model.onnx')));
  const g = model.graph!;
  const shape = new BigInt64Array([1n, 3n]);
  g.initializer!.push(onnx.TensorProto.create({ name: 'one_row_shape', dims: [2], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(shape.buffer) }));
  for (const n of g.node!) n.input = n.input!.map((x) => (x === 'features' ? 'features_one_row' : x));
  g.node!.unshift(onnx.NodeProto.create({ opType: 'Reshape', input: ['features', 'one_row_shape'], output: ['features_one_row'], name: 'SecretReshapeNode' }));
  await writeFile(join(dir, 'model.onnx'), onnx.ModelProto.encode(model).finish());
}

describe('verde serve: HTTP edges', () => {
  let f: Fixture;
  let s: RunningServer;
  let port: number;

  before(async () => {
    f = await fixture();
    await writeOneRowModel(join(f.root, 'one-row'));
    s = await createServer({ models: [f.text, f.tabular, join(f.root, 'one-row')], port: 0, workers: 1, feedbackLimitBytes: 8 * 1024, cache: 'off' });
    port = s.port;
  });
  after(async () => {
    await s?.close();
    await f?.cleanup();
  });

  it('answers 400 to text that is empty after normalisation (NUL, zero-width spaces, BOM)', async () => {
    const tokenizer = await loadTokenizer(f.text);
    for (const text of ['\u0000', '\u200b\u200b', '\ufeff', ' \u200d\u2060 \u200c ', '\u0000\u0001\u007f']) {
      // The model would see nothing but [CLS] [SEP]: the 400 is right.
      assert.equal(tokenizer.encode(text).length, 2, JSON.stringify(text));
      const r = await postJson(`${s.url}/v1/models/text:predict`, { instances: [{ text: 'fine' }, { text }] });
      assert.equal(r.status, 400, `${JSON.stringify(text)}: ${r.text}`);
      assert.equal(r.body.error.field, 'instances[1].text');
    }
    const ok = await postJson(`${s.url}/v1/models/text:predict`, { instances: [{ text: 'free\u200bcash \u00e9' }] });
    assert.equal(ok.status, 200, ok.text);
  });

  it("maps Fastify's and Node's own errors to verde's error JSON", async () => {
    const badUrl = await request(`${s.url}/v1/models/%E0%A4%A:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(badUrl.status, 400, badUrl.text);
    assert.equal(badUrl.body.error.field, 'path');
    assert.ok(!('code' in badUrl.body), badUrl.text);
    const badLine = jsonBody(await raw(port, 'GARBAGE\r\n\r\n'));
    assert.equal(badLine.error.status, 400);
    const bigHeader = jsonBody(await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    assert.equal(bigHeader.error.status, 431);
    assert.equal(bigHeader.error.field, 'headers');
  });

  it('answers 405 with Allow to a wrong method on a real route', async () => {
    const get = await request(`${s.url}/v1/models/text:predict`);
    assert.equal(get.status, 405, get.text);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(get.body.error.field, 'method');
    const post = await postJson(`${s.url}/healthz`, {});
    assert.equal(post.status, 405, post.text);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await request(`${s.url}/nowhere`)).status, 404);
  });

  it('says what is missing for POST /v1/models/NAME without an action', async () => {
    const r = await postJson(`${s.url}/v1/models/text`, { instances: [{ text: 'hi' }] });
    assert.equal(r.status, 404, r.text);
    assert.doesNotMatch(r.body.error.message, /":"/);
    assert.match(r.body.error.message, /text:predict/);
  });

  it('never puts ONNX Runtime internals in an error body', async () => {
    const row = { amount: 5, hour: 1, channel: 'web' };
    assert.equal((await postJson(`${s.url}/v1/models/one-row:predict`, { instances: [row] })).status, 200);
    const r = await postJson(`${s.url}/v1/models/one-row:predict`, { instances: [row, row] });
    assert.equal(r.status, 500, r.text);
    assert.doesNotMatch(r.text, /Reshape|SecretReshapeNode|onnxruntime|\.cc|shape/i);
    assert.match(r.body.error.message, /one-row/);
  });

  it('caps echoed input: a 900 KB feedback id, model name, feature name or path', async () => {
    const id = 'x'.repeat(900_000);
    const fb = await postJson(`${s.url}/v1/models/fraud:feedback`, { id, labels: ['fraud'] });
    assert.equal(fb.status, 404);
    assert.ok(fb.text.length < 2_000, `404 body of ${fb.text.length} bytes`);
    const long = await postJson(`${s.url}/v1/models/${'m'.repeat(5_000)}:predict`, { instances: [{ text: 'hi' }] });
    assert.equal(long.status, 414, long.text);
    assert.equal(long.body.error.field, 'path');
    assert.ok(long.text.length < 2_000, `${long.text.length} bytes`);
    const name = 'm'.repeat(90); // with ':predict', within Fastify's 100-character parameter limit
    const model = await postJson(`${s.url}/v1/models/${name}:predict`, { instances: [{ text: 'hi' }] });
    assert.equal(model.status, 404);
    assert.ok(!model.text.includes(name), model.text);
    const feature = await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 1, hour: 1, channel: 'web', ['k'.repeat(50_000)]: 1 }] });
    assert.equal(feature.status, 400);
    assert.ok(feature.text.length < 2_000, `${feature.text.length} bytes`);
    const path = await request(`${s.url}/${'p'.repeat(8_000)}`);
    assert.equal(path.status, 404);
    assert.ok(path.text.length < 2_000, `${path.text.length} bytes`);
  });

  it('bounds the :feedback store in bytes and says so in /metrics', async () => {
    const ids: string[] = [];
    const instances = Array.from({ length: 32 }, (_, i) => ({ amount: i, hour: 1, channel: 'web' }));
    for (let i = 0; i < 20; i++) {
      const r = await postJson(`${s.url}/v1/models/fraud:predict`, { instances });
      assert.equal(r.status, 200, r.text);
      ids.push(r.headers.get('x-request-id')!);
    }
    const m = (await request(`${s.url}/metrics`)).text;
    const bytes = metric(m, 'verde_feedback_store_bytes')!;
    assert.equal(metric(m, 'verde_feedback_store_limit_bytes'), 8 * 1024);
    assert.ok(bytes > 0 && bytes <= 8 * 1024, `store ${bytes} bytes`);
    assert.ok(metric(m, 'verde_feedback_evicted_total')! > 0);
    const oldest = await postJson(`${s.url}/v1/models/fraud:feedback`, { id: ids[0], labels: instances.map(() => 'legit') });
    assert.equal(oldest.status, 404, 'the oldest prediction was forgotten');
    const newest = await postJson(`${s.url}/v1/models/fraud:feedback`, { id: ids.at(-1), labels: instances.map(() => 'legit') });
    assert.equal(newest.status, 200, newest.text);
  });
});

describe('an empty bearer token', () => {
  it('is refused by createServer', async () => {
    await assert.rejects(createServer({ models: [], port: 0, token: '' }), /--token: must not be empty/);
    await assert.rejects(createServer({ models: [], port: 0, token: '  ' }), /--token: must not be empty/);
  });

  it('is a one-line error (exit 2) from --token "" and from an empty VERDE_SERVE_TOKEN', () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['--token', ''], {}, /^verde: --token: must not be empty/],
      [['--token='], {}, /^verde: --token: must not be empty/],
      [[], { VERDE_SERVE_TOKEN: '' }, /^verde: VERDE_SERVE_TOKEN: is set but empty/],
    ];
    for (const [args, env, msg] of cases) {
      // A model path that does not exist: the token must be refused before anything is loaded.
      const r = spawnSync(process.execPath, [CLI, 'serve', '--model', '/nonexistent-verde-model', '--port', '0', ...args], { env: { ...process.env, VERDE_SERVE_TOKEN: undefined, ...env }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
