/**
 * `verde serve --registry PATH --alias production` as a real child process, against a registry
 * layout made by hand as registry-contract.md describes it (alias pointer files + checkout dirs; the
 * registry code is built elsewhere): serves every aliased model, starts serving an alias that
 * appears, swaps on an alias change under load with no failed request, stops serving a removed
 * alias, and writes PATH/usage/<name>-v<version>-<pid>.json on each flush and at SIGTERM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyTabularModel, writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import { postJson, request, startServe, type ServeChild } from './helpers.js';
import { fraudInstance, swapUnderLoad, until } from './lifecycle-load.js';
import { runVerde } from '../fixtures/cli.js';

function alias(name: string, version: number) {
  return { format: 'verde-alias/1', name, alias: 'production', version, dir: `checkouts/${name}/${version}`, setAt: new Date().toISOString() };
}

describe('verde serve --registry --alias', () => {
  let reg: string;
  let serve: ServeChild;
  let url: string;
  const usageFile = (name: string, v: number) => join(reg, 'usage', `${name}-v${v}-${serve.child.pid}.json`);
  const readUsage = async (name: string, v: number) => JSON.parse(await readFile(usageFile(name, v), 'utf8'));

  before(async () => {
    reg = await mkdtemp(join(tmpdir(), 'verde-registry-serve-'));
    await writeTinyTabularModel(join(reg, 'checkouts/fraud/1'), { name: 'fraud' });
    await writeTinyTabularModel(join(reg, 'checkouts/fraud/2'), { name: 'fraud', scale: 2, amountOnly: true });
    await writeTinyTextModel(join(reg, 'checkouts/spam/1'), { name: 'spam' });
    await writeJsonAtomic(join(reg, 'aliases/fraud/production.json'), alias('fraud', 1));
    // Another alias of another version: not served.
    await writeJsonAtomic(join(reg, 'aliases/fraud/staging.json'), alias('fraud', 2));
    serve = startServe(['--registry', reg, '--alias', 'production', '--port', '0', '--workers', '1', '--watch-interval-ms', '100', '--usage-flush-ms', '300', '--cache', 'off']);
    url = await serve.url;
  });
  after(async () => {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await rm(reg, { recursive: true, force: true });
  });

  it('serves the aliased version of each model', async () => {
    const r = await postJson(`${url}/v1/models/fraud:predict`, fraudInstance(3));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('x-verde-model-version'), '1');
    assert.equal((await postJson(`${url}/v1/models/spam:predict`, { instances: [{ text: 'hi' }] })).status, 404);
  });

  it('starts serving an alias that appears', async () => {
    await writeJsonAtomic(join(reg, 'aliases/spam/production.json'), alias('spam', 1));
    await until(async () => (await postJson(`${url}/v1/models/spam:predict`, { instances: [{ text: 'free cash prize now' }] })).status === 200, 30_000, 'spam to be served');
    const r = await postJson(`${url}/v1/models/spam:predict`, { instances: [{ text: 'win a free prize' }, { text: 'thanks for the report' }] });
    assert.equal(r.headers.get('x-verde-model-version'), '1');
    assert.deepEqual(r.body.predictions.map((p: { label: string }) => p.label), ['spam', 'ham']);
  });

  it('swaps on an alias change under load with zero failed requests', async () => {
    const answers = await swapUnderLoad({ url: `${url}/v1/models/fraud:predict`, loops: 4, answers: 20, swapWaitMs: 30_000, swap: () => writeJsonAtomic(join(reg, 'aliases/fraud/production.json'), alias('fraud', 2)) });
    // Usage of version 1 is final once it is retired; its request count is what was answered by it.
    const v1Answers = answers.filter((a) => a.version === '1').length + 1; // + the first test's request
    await until(async () => (await readUsage('fraud', 1).catch(() => ({ requests: -1 }))).requests === v1Answers, 10_000, `fraud-v1 usage to count ${v1Answers} requests`);
  });

  it('stops serving a removed alias', async () => {
    await rm(join(reg, 'aliases/spam/production.json'));
    await until(async () => (await postJson(`${url}/v1/models/spam:predict`, { instances: [{ text: 'hello' }] })).status === 404, 30_000, 'spam to stop being served');
    const models = await request(`${url}/v1/models`);
    assert.deepEqual(models.body.models.map((m: { name: string; servedVersion: string }) => `${m.name}@${m.servedVersion}`), ['fraud@2']);
  });

  it('writes usage files on flush and at SIGTERM', async () => {
    const spam = await readUsage('spam', 1);
    assert.equal(spam.format, 'verde-usage/1');
    assert.equal(spam.task, 'text-classification');
    assert.equal(spam.version, 1);
    assert.equal(spam.modelDir, join(reg, 'checkouts/spam/1'));
    assert.ok(spam.requests >= 2 && spam.rows >= spam.requests + 1, `requests ${spam.requests} rows ${spam.rows}`);
    assert.equal(spam.tokenLengths.length, spam.rows);
    for (const n of spam.tokenLengths) assert.ok(Number.isInteger(n) && n >= 3 && n <= 16, `token length ${n}`);
    assert.ok((spam.predictedLabels.spam ?? 0) >= 1 && (spam.predictedLabels.ham ?? 0) >= 1, JSON.stringify(spam.predictedLabels));
    assert.equal(spam.features, undefined);

    // A periodic flush has written fraud v2; more requests, then SIGTERM writes the final count.
    await until(async () => (await readUsage('fraud', 2).catch(() => null)) !== null, 10_000, 'a periodic flush of fraud-v2');
    const before = await readUsage('fraud', 2);
    let extra = 0;
    for (let i = 0; i < 5; i++) if ((await postJson(`${url}/v1/models/fraud:predict`, fraudInstance(1000 + i))).status === 200) extra++;
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exit, 0, serve.stderr());
    const final = await readUsage('fraud', 2);
    assert.ok(final.requests >= before.requests + extra, `final ${final.requests}, before ${before.requests} + ${extra}`);
    assert.ok(Date.parse(final.to) >= Date.parse(before.to));
    assert.deepEqual(final.features.names, ['amount', 'hour', 'channel']);
    const files = (await readdir(join(reg, 'usage'))).sort();
    assert.deepEqual(files, [`fraud-v1-${serve.child.pid}.json`, `fraud-v2-${serve.child.pid}.json`, `spam-v1-${serve.child.pid}.json`]);
  });
});

describe('verde serve --alias: bad flags', () => {
  it('refuses --alias without a registry, and an empty alias, with one line', async () => {
    const env = process.env.VERDE_REGISTRY;
    delete process.env.VERDE_REGISTRY;
    try {
      const r = await runVerde(['serve', '--alias', 'production']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim(), 'verde: --alias: needs --registry PATH (or VERDE_REGISTRY)');
      const e = await runVerde(['serve', '--registry', tmpdir(), '--alias', ' ']);
      assert.equal(e.code, 2);
      assert.match(e.stderr, /--alias: must not be empty/);
    } finally {
      if (env !== undefined) process.env.VERDE_REGISTRY = env;
    }
  });
});
