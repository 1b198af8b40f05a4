/**
 * The model life cycle end to end through the real CLI (issue 15): `verde fraud --data --register`
 * trains and registers real models with their training fingerprint; `production` is set for two of
 * them through the approval flow (a developer requests, another person approves); a real
 * `verde serve --registry PATH --alias production` child answers real HTTP requests, one model
 * fresh rows from the training distribution (the control), the other rows with two features
 * shifted; serve flushes its usage files into the registry at SIGTERM; `verde registry audit --json`
 * then finds the shifted model drifted, naming exactly the shifted features with PSI/KS evidence
 * and a recommended action, and the control not drifted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gaussian, mulberry32 } from '../../src/util/random.js';
import { runVerde } from '../fixtures/cli.js';
import { postJson, request, startServe } from '../serve/helpers.js';
import { until } from '../serve/lifecycle-load.js';
import { approveProduction, cliTokens, tempDir, verdeOk } from './helpers.js';

interface Tx { amount: number; hour: number; km: number; channel: string }

/** Card transactions: log-normal amounts, uniform hours, exponential distance from home; fraud is large amounts at night or online. */
function transactions(n: number, seed: number): (Tx & { fraud: number })[] {
  const u = mulberry32(seed);
  const z = gaussian(u);
  return Array.from({ length: n }, () => {
    const amount = Math.round(Math.exp(3.5 + 0.8 * z()) * 100) / 100;
    const hour = Math.floor(u() * 24);
    const km = Math.round(-30 * Math.log(1 - u()) * 10) / 10;
    const channel = u() < 0.5 ? 'pos' : 'online';
    const fraud = (amount > 120 && (hour < 6 || channel === 'online') && u() < 0.7) || u() < 0.01 ? 1 : 0;
    return { amount, hour, km, channel, fraud };
  });
}

const SKIP = ['--skip', 'minimisation', 'gbdt-vs-mlp', 'hpo', 'active-learning', 'quantisation', 'distillation', 'transfer', 'federated', 'batching'];

test('served shifted inputs make `verde registry audit` report drift; unshifted ones do not', { timeout: 120_000 }, async () => {
  const t = await tempDir('verde-reg-e2e-');
  const reg = join(t.dir, 'reg');
  const R = ['--registry', reg];
  let serve: ReturnType<typeof startServe> | undefined;
  try {
    const csv = join(t.dir, 'tx.csv');
    await writeFile(csv, 'amount,hour,km,channel,fraud\n' + transactions(3000, 1).map((r) => `${r.amount},${r.hour},${r.km},${r.channel},${r.fraud}`).join('\n') + '\n');
    await verdeOk(['fraud', '--data', csv, '--label-col', 'fraud', '--threads', '1', '--out', join(t.dir, 'run'), '--store', join(t.dir, 'runs.db'), '--register', ...R, ...SKIP]);

    // Governance: once an admin token exists every action needs one; production takes two people.
    const tokens = await cliTokens(reg);
    const refused = await runVerde(['registry', 'alias', 'set', 'fraud-gbdt', 'production', '1', ...R, '--token', tokens.dev]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /"production" needs an approval/);
    await approveProduction(reg, 'fraud-gbdt', 1, tokens);
    await approveProduction(reg, 'fraud-gbdt-pruned', 1, tokens);

    serve = startServe(['--registry', reg, '--alias', 'production', '--port', '0', '--workers', '1', '--cache', 'off', '--usage-flush-ms', '0', '--store', join(t.dir, 'runs.db')]);
    const url = await serve.url;
    await until(async () => (await request(`${url}/v1/models`)).body.models.length === 2, 30_000, 'both production models to be served');

    // Fresh rows from the training distribution (another seed): 400 to each model, 20 per request.
    const fresh = transactions(800, 2).map(({ fraud: _, ...x }) => x);
    const control = fresh.slice(0, 400);
    const shifted = fresh.slice(400).map((x) => ({ ...x, amount: x.amount * 4, km: x.km + 100 }));
    const send = async (model: string, rows: Tx[]) => {
      for (let i = 0; i < rows.length; i += 20) {
        const r = await postJson(`${url}/v1/models/${model}:predict`, { instances: rows.slice(i, i + 20) });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.headers.get('x-verde-model-version'), '1');
      }
    };
    await send('fraud-gbdt', control);
    await send('fraud-gbdt-pruned', shifted);
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exit, 0, serve.stderr());
    assert.deepEqual((await readdir(join(reg, 'usage'))).sort(), [`fraud-gbdt-pruned-v1-${serve.child.pid}.json`, `fraud-gbdt-v1-${serve.child.pid}.json`]);

    const audit = JSON.parse(await verdeOk(['registry', 'audit', '--json', ...R, '--token', tokens.ann])) as { usageFiles: number; findings: { kind: string; model: string; summary: string; evidence: Record<string, unknown>; action: string }[] };
    assert.equal(audit.usageFiles, 2);
    const drifted = audit.findings.filter((f) => f.kind === 'drifted');
    assert.deepEqual(drifted.map((f) => f.model), ['fraud-gbdt-pruned@1'], JSON.stringify(audit.findings, null, 1));
    const d = drifted[0]!;
    const features = d.evidence.features as { feature: string; psi: number; ks: number }[];
    assert.deepEqual(features.map((f) => f.feature).sort(), ['amount', 'km'], 'exactly the shifted features');
    for (const f of features) assert.ok(f.psi > 0.2 && f.ks > 0.2, `${f.feature}: PSI ${f.psi}, KS ${f.ks}`);
    assert.equal(d.evidence.servedRows, 400);
    assert.equal(d.evidence.referenceRows, 1000);
    assert.match(d.summary, /2 of 4 features drifted/);
    assert.match(d.action, /^retrain fraud-gbdt-pruned/);
    // Served: not unused. The unpruned model was never served.
    assert.deepEqual(audit.findings.filter((f) => f.kind === 'unused').map((f) => f.model), ['fraud-gbdt-unpruned@1']);
  } finally {
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await t.done();
  }
});
