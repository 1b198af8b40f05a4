/**
 * Every kind of bad input gets a 4xx JSON error naming the field, and the server keeps answering.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { fixture, postJson, type Fixture } from './helpers.js';

describe('verde serve: bad input', () => {
  let f: Fixture;
  let s: RunningServer;
  let strict: RunningServer;

  before(async () => {
    f = await fixture();
    s = await createServer({ models: [f.text, f.tabular], port: 0, maxInstances: 4, bodyLimit: 2048, maxQueueDelayMs: 1 });
    strict = await createServer({ models: [f.text], port: 0, longText: 'reject', cache: 'off' });
  });
  after(async () => {
    await s?.close();
    await strict?.close();
    await f?.cleanup();
  });

  it('keeps idle connections 72 s, as Fastify does (proxies idle at 60 s)', async () => {
    assert.equal(s.app.server.keepAliveTimeout, 72_000);
    const r = await fetch(`${s.url}/healthz`);
    assert.match(r.headers.get('keep-alive') ?? '', /timeout=72/);
    await r.text();
  });

  const cases: Array<{ what: string; model?: string; body: unknown; status: number; field: string | null }> = [
    { what: 'malformed JSON', body: '{"instances": [', status: 400, field: 'body' },
    { what: 'a body that is not an object', body: '[1,2]', status: 400, field: null },
    { what: 'missing instances', body: { inputs: [] }, status: 400, field: 'instances' },
    { what: 'instances not an array', body: { instances: 'hello' }, status: 400, field: 'instances' },
    { what: 'no instances', body: { instances: [] }, status: 400, field: 'instances' },
    { what: 'too many instances', body: { instances: Array.from({ length: 5 }, () => ({ text: 'hi' })) }, status: 413, field: 'instances' },
    { what: 'text missing', body: { instances: [{ txt: 'hi' }] }, status: 400, field: 'instances[0].text' },
    { what: 'text not a string', body: { instances: [{ text: 'ok' }, { text: 42 }] }, status: 400, field: 'instances[1].text' },
    { what: 'empty text', body: { instances: [{ text: '   ' }] }, status: 400, field: 'instances[0].text' },
    { what: 'an instance that is a number', body: { instances: [7] }, status: 400, field: 'instances[0]' },
    { what: 'a body over the limit', body: { instances: [{ text: 'free '.repeat(1000) }] }, status: 413, field: 'body' },
    { what: 'a missing feature', model: 'fraud', body: { instances: [{ amount: 3, hour: 1 }] }, status: 400, field: 'instances[0].channel' },
    { what: 'a feature of the wrong type', model: 'fraud', body: { instances: [{ amount: '3', hour: 1, channel: 'web' }] }, status: 400, field: 'instances[0].amount' },
    { what: 'an unknown feature', model: 'fraud', body: { instances: [{ amount: 3, hour: 1, channel: 'web', colour: 'red' }] }, status: 400, field: 'instances[0].colour' },
    { what: 'an unknown model', model: 'nope', body: { instances: [{ text: 'hi' }] }, status: 404, field: 'model' },
  ];

  for (const c of cases) {
    it(`answers ${c.status} naming the field for ${c.what}`, async () => {
      const r = await postJson(`${s.url}/v1/models/${c.model ?? 'text'}:predict`, c.body);
      assert.equal(r.status, c.status, r.text);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(r.body.error.status, c.status);
      assert.equal(r.body.error.field, c.field);
      assert.ok(r.body.error.message.length > 0);
    });
  }

  it('answers 415 to a body that is not JSON, and 404 to an unknown action', async () => {
    const r = await fetch(`${s.url}/v1/models/text:predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(r.status, 415);
    const a = await postJson(`${s.url}/v1/models/text:explain`, { instances: [{ text: 'hi' }] });
    assert.equal(a.status, 404);
  });

  it('truncates long text by default and answers 413 with --reject-long', async () => {
    const long = { instances: [{ text: 'free money '.repeat(100) }] };
    const ok = await postJson(`${s.url}/v1/models/text:predict`, { instances: [{ text: 'free money '.repeat(60) }] });
    assert.equal(ok.status, 200, ok.text);
    const r = await postJson(`${strict.url}/v1/models/text:predict`, long);
    assert.equal(r.status, 413, r.text);
    assert.equal(r.body.error.field, 'instances[0].text');
    const short = await postJson(`${strict.url}/v1/models/text:predict`, { instances: [{ text: 'free money' }] });
    assert.equal(short.status, 200);
  });

  it('survives a client that hangs up mid-body, and keeps serving', async () => {
    const port = new URL(s.url).port;
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/text:predict', headers: { 'content-type': 'application/json', 'content-length': '500' } });
      req.on('error', () => resolve());
      req.write('{"instances": [{"text": "fr');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const r = await postJson(`${s.url}/v1/models/text:predict`, { instances: [{ text: 'still alive' }] });
    assert.equal(r.status, 200);
  });
});
