/**
 * verde score on one machine, through the built CLI: the parts hold exactly what `verde predict`
 * says for the same rows, and a run killed mid-way resumes with only the shards it had not written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../fixtures/cli.js';
import { partCompressions, readParts, scoreFixture, verde, type ScoreFixture } from './helpers.js';

let f: ScoreFixture;
before(async () => {
  f = await scoreFixture(3000);
});
after(async () => {
  await rm(f.dir, { recursive: true, force: true });
});

test('verde score writes zstd Parquet parts equal to verde predict\'s predictions, and records the run', async () => {
  const out = join(f.dir, 'out-local');
  const store = join(f.dir, 'runs.db');
  const s = await verde(['score', '--model', f.model, '--data', f.csv, '--out', out, '--shard-rows', '1000', '--batch-rows', '256', '--threads', '2', '--store', store]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /3000 rows in [\d.]+ s \(\d+ rows\/s\); energy [\d.]+ J \((measured|modelled):[^)]+\), [\d.]+ J per 1,000 rows, [\d.]+ gCO2e/);
  assert.match(s.stderr, /recorded in .*runs\.db/);
  assert.deepEqual((await readdir(out)).filter((n) => n.startsWith('part-')).sort(), ['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']);
  const head = await readFile(join(out, 'part-00000.parquet'));
  assert.equal(head.subarray(0, 4).toString(), 'PAR1');
  assert.deepEqual(await partCompressions(join(out, 'part-00000.parquet')), ['ZSTD']);
  const predOut = join(f.dir, 'pred.json');
  const p = await verde(['predict', '--model', f.model, '--data', f.csv, '--out', predOut, '--json']);
  assert.equal(p.code, 0, p.stderr);
  const expected = JSON.parse(await readFile(predOut, 'utf8')) as { row: number; label: string; probabilities: number[] }[];
  const got = await readParts(out);
  assert.equal(got.length, expected.length);
  expected.forEach((e, i) => {
    const [row, label, pl, pf] = got[i]!;
    assert.equal(row, e.row);
    assert.equal(label, e.label, `row ${e.row}`);
    assert.ok(Math.abs(pl - e.probabilities[0]!) < 1e-6 && Math.abs(pf - e.probabilities[1]!) < 1e-6, `row ${e.row}: ${pl},${pf} vs ${e.probabilities}`);
  });
  assert.ok(new Set(got.map((g) => g[1])).size === 2, 'both labels occur (the model is not constant)');
  const runs = await verde(['runs', 'list', '--store', store]);
  assert.match(runs.stdout, /score/);
});

test('a run killed mid-way resumes: only the missing shards are scored, every row once', async () => {
  const out = join(f.dir, 'out-resume');
  const args = ['score', '--model', f.model, '--data', f.csv, '--out', out, '--shard-rows', '500', '--batch-rows', '100', '--threads', '1', '--store', join(f.dir, 'runs.db')];
  // Slow batches (test hook) so the kill lands while shards remain; killed once two parts exist.
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1', VERDE_SCORE_BATCH_PAUSE_MS: '60' }, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  for (;;) {
    const parts = (await readdir(out).catch(() => [] as string[])).filter((n) => n.startsWith('part-'));
    if (parts.length >= 2) break;
    if (child.exitCode !== null) assert.fail('the run ended before it could be interrupted');
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await exited;
  const before = (await readdir(out)).filter((n) => n.startsWith('part-')).length;
  assert.ok(before >= 2 && before < 6, `${before} parts before the resume`);
  const r = await verde(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${6 - before} of 6 shards scored .*\\(resumed: ${before} already done\\)`));
  const got = await readParts(out);
  assert.deepEqual(got.map((g) => g[0]), Array.from({ length: 3000 }, (_, i) => i + 1));
  assert.deepEqual((await readdir(out)).filter((n) => n.endsWith('.tmp')), [], 'no temporary part left');
  // The same folder with another plan is refused, not mixed in.
  const other = await verde([...args.slice(0, -4), '--shard-rows', '700']);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /^verde: --out .*: holds another scoring run \(shardRows 500 there, 700 now\)/);
});

test('text models: verde score reads the text column and agrees with verde predict', async () => {
  const { writeTinyTextModel, SPAM_WORDS, HAM_WORDS } = await import('../../src/bench-serve/tiny-models.js');
  const model = join(f.dir, 'text-model');
  await writeTinyTextModel(model);
  const texts = Array.from({ length: 300 }, (_, i) => `${SPAM_WORDS[i % SPAM_WORDS.length]} ${HAM_WORDS[(i * 7) % HAM_WORDS.length]} ${i % 3 === 0 ? 'free cash now' : 'see you at lunch'}`);
  const csv = join(f.dir, 'texts.csv');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(csv, 'id,body\n' + texts.map((t, i) => `${i},"${t}"`).join('\n') + '\n');
  const out = join(f.dir, 'out-text');
  const s = await verde(['score', '--model', model, '--data', csv, '--text-col', 'body', '--out', out, '--shard-rows', '128', '--store', join(f.dir, 'runs.db')]);
  assert.equal(s.code, 0, s.stderr);
  const predOut = join(f.dir, 'pred-text.json');
  const p = await verde(['predict', '--model', model, '--data', csv, '--text-col', 'body', '--out', predOut, '--json']);
  assert.equal(p.code, 0, p.stderr);
  const expected = JSON.parse(await readFile(predOut, 'utf8')) as { label: string; probabilities: number[] }[];
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const got = (await con.runAndReadAll(`SELECT * FROM read_parquet('${join(out, 'part-*.parquet')}') ORDER BY "row"`)).getRows();
  con.closeSync();
  db.closeSync();
  assert.equal(got.length, 300);
  expected.forEach((e, i) => {
    assert.equal(Number(got[i]![0]), i + 1);
    assert.equal(String(got[i]![1]), e.label);
    e.probabilities.forEach((pr, j) => assert.ok(Math.abs(Number(got[i]![2 + j]) - pr) < 1e-5, `row ${i + 1}`));
  });
});
