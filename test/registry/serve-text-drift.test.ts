/**
 * Text drift and the served versions end to end through the real CLI (issue 15): two runs of
 * `verde text --classes linear --register` give text-linear@1 and @2, each registered with the
 * token lengths of its training texts as its own encoder counts them; a real `verde serve
 * --registry --alias production` serves v1 reviews like the training ones (the control), then
 * production moves to v2 through the approval flow, serve swaps, and v2 gets much longer reviews.
 * `verde registry audit --json` finds v2 drifted on token lengths with PSI/KS evidence and v1 not,
 * and the two (same data, same seed) duplicates of each other on the registered probe texts;
 * the run store's record of the session lists both versions with their own inferences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getRun, listRuns, openStore } from '../../src/store/index.js';
import { mulberry32 } from '../../src/util/random.js';
import { postJson, request, startServe } from '../serve/helpers.js';
import { until } from '../serve/lifecycle-load.js';
import { approveProduction, cliTokens, tempDir, verdeOk } from './helpers.js';

const GOOD = ['great', 'good', 'love', 'wonderful', 'fine', 'superb', 'lovely'];
const BAD = ['bad', 'awful', 'hate', 'boring', 'poor', 'dull', 'weak'];
const FILLER = ['the', 'movie', 'was', 'plot', 'actors', 'story', 'scene', 'and', 'a', 'with', 'film', 'music'];

/** Reviews of 3..10 filler words (x `longer`) and 2..4 words of their sentiment, shuffled. */
function reviews(n: number, seed: number, longer = 1): { text: string; label: string }[] {
  const u = mulberry32(seed);
  const pick = <T>(a: T[]) => a[Math.floor(u() * a.length)]!;
  return Array.from({ length: n }, () => {
    const label = u() < 0.5 ? 'pos' : 'neg';
    const words = [
      ...Array.from({ length: (3 + Math.floor(u() * 8)) * longer }, () => pick(FILLER)),
      ...Array.from({ length: 2 + Math.floor(u() * 3) }, () => pick(label === 'pos' ? GOOD : BAD)),
    ].sort(() => u() - 0.5);
    return { text: words.join(' '), label };
  });
}

test('served long texts make the audit report token-length drift; the session records every version it served', { timeout: 120_000 }, async () => {
  const t = await tempDir('verde-reg-text-e2e-');
  const reg = join(t.dir, 'reg');
  const store = join(t.dir, 'runs.db');
  let serve: ReturnType<typeof startServe> | undefined;
  try {
    const csv = join(t.dir, 'reviews.csv');
    await writeFile(csv, 'text,label\n' + reviews(300, 1).map((r) => `"${r.text}",${r.label}`).join('\n') + '\n');
    for (const out of ['a', 'b']) {
      await verdeOk(['text', '--classes', 'linear', '--data', csv, '--train-size', '200', '--test-size', '50', '--linear-epochs', '2', '--threads', '1', '--out', join(t.dir, out), '--store', store, '--register', '--registry', reg]);
    }
    const shown = JSON.parse(await verdeOk(['registry', 'show', 'text-linear@1', '--json', '--registry', reg])) as { data: { rows: number; labelBalance: Record<string, number>; reference: { tokenLengths: number[] } } };
    assert.equal(shown.data.rows, 200);
    assert.equal(shown.data.reference.tokenLengths.length, 200);
    assert.equal(Object.values(shown.data.labelBalance).reduce((a, b) => a + b, 0), 200);

    const tokens = await cliTokens(reg);
    await approveProduction(reg, 'text-linear', 1, tokens);
    serve = startServe(['--registry', reg, '--alias', 'production', '--port', '0', '--workers', '1', '--cache', 'off', '--watch-interval-ms', '100', '--usage-flush-ms', '0', '--store', store]);
    const url = await serve.url;
    const predict = `${url}/v1/models/text-linear:predict`;
    const send = async (texts: { text: string }[], version: string) => {
      for (let i = 0; i < texts.length; i += 15) {
        const r = await postJson(predict, { instances: texts.slice(i, i + 15).map((x) => ({ text: x.text })) });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.headers.get('x-verde-model-version'), version);
      }
    };
    await send(reviews(150, 2), '1');

    await approveProduction(reg, 'text-linear', 2, tokens);
    const long = reviews(150, 3, 4);
    // Watched through GET /v1/models, so no request of either set lands on the other version.
    await until(async () => (await request(`${url}/v1/models`)).body.models[0]?.servedVersion === '2', 30_000, 'the swap to version 2');
    await send(long, '2');
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exit, 0, serve.stderr());

    const audit = JSON.parse(await verdeOk(['registry', 'audit', '--json', '--registry', reg, '--token', tokens.ann])) as { findings: { kind: string; model: string; summary: string; evidence: { tokenLengths?: { psi: number; ks: number; servedTexts: number; referenceTexts: number; servedMean: number; referenceMean: number } }; action: string }[] };
    const drifted = audit.findings.filter((f) => f.kind === 'drifted');
    assert.deepEqual(drifted.map((f) => f.model), ['text-linear@2'], JSON.stringify(audit.findings, null, 1));
    const tok = drifted[0]!.evidence.tokenLengths!;
    assert.ok(tok.psi > 0.2 && tok.ks > 0.2, JSON.stringify(tok));
    assert.equal(tok.servedTexts, 150);
    assert.equal(tok.referenceTexts, 200);
    assert.ok(tok.servedMean > 2 * tok.referenceMean, JSON.stringify(tok));
    assert.match(drifted[0]!.summary, /token lengths drifted: PSI/);
    assert.match(drifted[0]!.action, /^retrain text-linear on recent texts/);

    // The two runs trained the same model on the same data with the same seed: the text duplicate
    // check (both checkouts run on the registered probe texts) pairs them for consolidation.
    const dups = audit.findings.filter((f) => f.kind === 'duplicate') as unknown as { model: string; evidence: { with: string; agreement: number; probeRows: number } }[];
    assert.equal(dups.length, 1, JSON.stringify(dups));
    assert.deepEqual([dups[0]!.model, dups[0]!.evidence.with].sort(), ['text-linear@1', 'text-linear@2']);
    assert.equal(dups[0]!.evidence.agreement, 1);
    assert.equal(dups[0]!.evidence.probeRows, 200);

    const db = openStore(store, { create: false });
    try {
      const session = listRuns(db).map((r) => getRun(db, r.id)).find((r) => r.command === 'serve')!;
      assert.equal(session.status, 'complete');
      const served = session.variants.map((v) => [v.name, v.modelName, v.inferences, v.modelDir]);
      assert.deepEqual(served, [
        ['text-linear@1', 'text-linear', 150, join(reg, 'checkouts/text-linear/1')],
        ['text-linear@2', 'text-linear', 150, join(reg, 'checkouts/text-linear/2')],
      ]);
      for (const v of session.variants) assert.ok(v.energyJ! > 0 && /^(measured|modelled):/.test(v.energyMethod), JSON.stringify(v));
    } finally {
      db.close();
    }
  } finally {
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
    await t.done();
  }
});
