/**
 * `--cache redis://...`: two server replicas share one real redis-server (started here on a free
 * port), so an input one replica answered is a cache hit on the other. Skipped, with a message,
 * when redis-server is not installed (CI installs the Debian package).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import { fixture, metric, postJson, request, type Fixture } from './helpers.js';
import { freePort, hasRedis } from '../fixtures/servers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/i.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

describe('verde serve --cache redis://', { skip: hasRedis ? false : 'redis-server not installed (apt-get install redis-server); skipping the shared-cache test' }, () => {
  let f: Fixture;
  let redis: ChildProcess;
  let a: RunningServer;
  let b: RunningServer;

  before(async () => {
    f = await fixture();
    const port = await freePort();
    redis = await startRedis(port);
    a = await createServer({ models: [f.text], port: 0, cache: `redis://127.0.0.1:${port}` });
    b = await createServer({ models: [f.text], port: 0, cache: `redis://127.0.0.1:${port}` });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    redis?.kill('SIGTERM');
    await f?.cleanup();
  });

  it('shares predictions between replicas', async () => {
    const body = { instances: [{ text: 'win a free prize today' }, { text: 'project review tomorrow' }] };
    const first = await postJson(`${a.url}/v1/models/text:predict`, body);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.predictions.map((p: { cached: boolean }) => p.cached), [false, false]);
    const second = await postJson(`${b.url}/v1/models/text:predict`, body);
    assert.deepEqual(second.body.predictions.map((p: { cached: boolean }) => p.cached), [true, true]);
    assert.deepEqual(second.body.predictions, first.body.predictions.map((p: object) => ({ ...p, cached: true })));
    const m = (await request(`${b.url}/metrics`)).text;
    assert.equal(metric(m, 'verde_cache_hits_total{model="text"}'), 2);
    assert.equal(metric(m, 'verde_cache_hit_ratio{model="text"}'), 1);
  });

  it('refuses to start when Redis cannot be reached', async () => {
    const port = await freePort();
    await assert.rejects(createServer({ models: [f.text], port: 0, cache: `redis://127.0.0.1:${port}` }), /cannot reach Redis/);
  });
});

describe('verde serve --cache redis:// when Redis goes away and comes back', { skip: hasRedis ? false : 'redis-server not installed' }, () => {
  let f: Fixture;
  before(async () => {
    f = await fixture();
  });
  after(async () => {
    await f?.cleanup();
  });

  it('logs one line on loss and one on recovery (no ioredis stacks), answers throughout, counts the outage', { timeout: 120_000 }, async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const serve = spawn(process.execPath, [CLI, 'serve', '--model', f.tabular, '--port', '0', '--workers', '1', '--cache', `redis://127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    serve.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => serve.on('exit', (code) => resolve(code)));
    const waitFor = async (re: RegExp, what: string) => {
      for (let t = 0; t < 400 && !re.test(stderr); t++) await new Promise((r) => setTimeout(r, 50));
      assert.match(stderr, re, what);
    };
    try {
      await waitFor(/listening on (http:\/\/\S+)/, 'serve started');
      const url = /listening on (http:\/\/\S+)/.exec(stderr)![1]!;
      const body = { instances: [{ amount: 10, hour: 2, channel: 'web' }] };
      assert.equal((await postJson(`${url}/v1/models/fraud:predict`, body)).status, 200);
      redis.kill('SIGKILL');
      await new Promise((r) => redis.on('exit', r));
      await waitFor(/connection lost/, 'the loss is reported');
      // Several reconnect attempts fail while Redis is down; each used to print a stack.
      await new Promise((r) => setTimeout(r, 1500));
      const down = await postJson(`${url}/v1/models/fraud:predict`, body);
      assert.equal(down.status, 200, down.text);
      assert.equal(down.body.predictions[0].cached, false, 'a cache that is down is a miss');
      assert.equal(metric((await request(`${url}/metrics`)).text, 'verde_cache_up'), 0);
      redis = await startRedis(port);
      await waitFor(/connection back after/, 'the recovery is reported');
      const back = await postJson(`${url}/v1/models/fraud:predict`, { instances: [{ amount: 11, hour: 2, channel: 'web' }] });
      assert.equal(back.status, 200, back.text);
      const m = (await request(`${url}/metrics`)).text;
      assert.equal(metric(m, 'verde_cache_outages_total'), 1);
      assert.equal(metric(m, 'verde_cache_up'), 1);
    } finally {
      serve.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      redis.kill('SIGTERM');
    }
    assert.doesNotMatch(stderr, /ioredis|Unhandled error|\n\s+at /, stderr);
    assert.equal(stderr.match(/connection lost/g)?.length, 1, stderr);
    assert.equal(stderr.match(/connection back/g)?.length, 1, stderr);
  });
});
