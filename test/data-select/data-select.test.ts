/**
 * `verde data select` (§1.6) through the built CLI on planted CSV data: the next rows to label
 * (ids, scores, priority, the pool's columns), continuation after labelling (rows already labelled
 * never come back), --simulate against random sampling (the strategy needs no more labels than
 * random where the signal sits near a boundary), and bad input (one line, exit 2, --out untouched).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerde } from '../fixtures/cli.js';
import { seededRandom } from '../../src/util/random.js';
import { openDuck } from '../../src/data/profile/index.js';
import { openStore, listRuns } from '../../src/store/index.js';

let dir: string;
const p = (f: string) => join(dir, f);

/** Planted rows: positive when a + 0.5 b > cut (1.2: about a third of rows; 2.15: about 6 %), plus a noise column and a category. */
function rows(n: number, seed: number, cut = 1.2): { a: number; b: number; noise: number; kind: string; label: number }[] {
  const rng = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const a = rng.next() * 2;
    const b = rng.next();
    return { a: Number(a.toFixed(4)), b: Number(b.toFixed(4)), noise: Number(rng.next().toFixed(4)), kind: rng.next() < 0.5 ? 'x' : 'y', label: a + 0.5 * b > cut ? 1 : 0 };
  });
}
const csv = (rs: ReturnType<typeof rows>, withLabel: boolean, id = false) =>
  [[...(id ? ['row_id'] : []), 'a', 'b', 'noise', 'kind', ...(withLabel ? ['label'] : [])].join(','), ...rs.map((r, i) => [...(id ? [i] : []), r.a, r.b, r.noise, r.kind, ...(withLabel ? [r.label] : [])].join(','))].join('\n') + '\n';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'verde-data-select-'));
  const labelled = rows(60, 1);
  writeFileSync(p('labelled.csv'), csv(labelled, true));
  const pool = rows(400, 2);
  writeFileSync(p('pool.csv'), csv(pool, false));
  writeFileSync(p('pool-truth.json'), JSON.stringify(pool.map((r) => r.label)));
  writeFileSync(p('all.csv'), csv(rows(1200, 3, 2.15), true)); // rare positives near a boundary: where choosing pays
  writeFileSync(p('one-class.csv'), csv(rows(30, 4).map((r) => ({ ...r, label: 0 })), true));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function readCsv(path: string): { header: string[]; rows: string[][] } {
  const [h, ...rest] = readFileSync(path, 'utf8').trim().split('\n');
  return { header: h!.split(','), rows: rest.map((l) => l.split(',')) };
}

test('writes the next rows to label, and continues after they are labelled', async () => {
  const r1 = await runVerde(['data', 'select', '--store', p('runs.db'), '--pool', p('pool.csv'), '--labelled', p('labelled.csv'), '--label-col', 'label', '--budget', '20', '--strategy', 'uncertainty', '--out', p('next1.csv')]);
  assert.equal(r1.code, 0, r1.stderr);
  const first = readCsv(p('next1.csv'));
  assert.deepEqual(first.header, ['row_id', 'score', 'priority', 'a', 'b', 'noise', 'kind']);
  assert.equal(first.rows.length, 20);
  assert.deepEqual(first.rows.map((r) => Number(r[2])), Array.from({ length: 20 }, (_, i) => i + 1));
  // Uncertainty: the picked rows' scores are nearer 0.5 than the typical pool row's would be.
  const dist = first.rows.map((r) => Math.abs(Number(r[1]) - 0.5));
  assert.ok(Math.max(...dist) < 0.45, `picked scores ${first.rows.map((r) => r[1]).join(' ')}`);

  // Label them (the planted truth) and append them, row_id and all, to the labelled file.
  const truth = JSON.parse(readFileSync(p('pool-truth.json'), 'utf8')) as number[];
  const labelledNow = readFileSync(p('labelled.csv'), 'utf8').trim().split('\n');
  const lines = ['row_id,score,priority,a,b,noise,kind,label', ...labelledNow.slice(1).map((l) => `,,,${l}`), ...first.rows.map((r) => [...r, truth[Number(r[0])]].join(','))];
  writeFileSync(p('labelled2.csv'), lines.join('\n') + '\n');
  const r2 = await runVerde(['data', 'select', '--store', p('runs.db'), '--pool', p('pool.csv'), '--labelled', p('labelled2.csv'), '--label-col', 'label', '--budget', '20', '--strategy', 'margin', '--out', p('next2.csv')]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /20 already labelled/);
  const second = readCsv(p('next2.csv'));
  const before = new Set(first.rows.map((r) => r[0]));
  assert.equal(second.rows.length, 20);
  assert.ok(second.rows.every((r) => !before.has(r[0])), 'no row already labelled comes back');

  const r3 = await runVerde(['data', 'select', '--store', p('runs.db'), '--pool', p('pool.csv'), '--labelled', p('labelled2.csv'), '--budget', '10', '--strategy', 'diversity', '--out', p('next3.csv')]);
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(readCsv(p('next3.csv')).rows.length, 10);
});

test('--simulate needs fewer labels than random sampling on planted data', async () => {
  const r = await runVerde(['data', 'select', '--store', p('runs.db'), '--simulate', '--pool', p('all.csv'), '--label-col', 'label', '--budget', '10', '--strategy', 'uncertainty', '--target', '0.9', '--out', p('sim.json')]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(p('sim.json'), 'utf8')) as { strategy: { labelsToTarget?: number }; random: { labelsToTarget?: number; curve: unknown[] } };
  assert.ok(s.strategy.labelsToTarget !== undefined, `uncertainty reached PR-AUC 0.9: ${r.stdout}`);
  assert.ok(s.random.labelsToTarget === undefined || s.strategy.labelsToTarget! < s.random.labelsToTarget, `uncertainty ${s.strategy.labelsToTarget} vs random ${s.random.labelsToTarget}`);
  assert.match(r.stdout, /labels to reach PR-AUC 0.9: uncertainty \d+ labels, random/);
});

test('bad input: one line, exit 2, --out untouched', async () => {
  const out = p('bad.csv');
  const cases: [string[], RegExp][] = [
    [['--labelled', p('one-class.csv')], /only one class/],
    [['--labelled', p('labelled.csv'), '--budget', '500'], /--budget: 500 is more than the 400 pool rows/],
    [['--labelled', p('labelled.csv'), '--label-col', 'fraud'], /label column "fraud" not found/],
    [['--labelled', p('labelled.csv'), '--strategy', 'psychic'], /--strategy: "psychic"/],
    [['--labelled', p('missing.csv')], /missing\.csv: file not found/],
  ];
  appendFileSync(p('pool-narrow.csv'), 'a,b\n1,2\n');
  cases.push([['--labelled', p('labelled.csv'), '--pool', p('pool-narrow.csv')], /pool-narrow\.csv: column "noise" .*not found/]);
  for (const [args, msg] of cases) {
    const r = await runVerde(['data', 'select', '--store', p('runs.db'), '--pool', p('pool.csv'), '--out', out, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(out), '--out untouched');
  }
});

test('reads every format the other data commands read (JSONL, TSV, Parquet, JSON): the same rows picked as from CSV; runs recorded in the store', async () => {
  const { con, close } = await openDuck(':memory:');
  try {
    const q = (f: string) => `'${p(f)}'`;
    await con.run(`COPY (SELECT * FROM read_csv(${q('labelled.csv')}, header = true)) TO ${q('labelled.parquet')} (FORMAT parquet)`);
    await con.run(`COPY (SELECT * FROM read_csv(${q('pool.csv')}, header = true)) TO ${q('pool.jsonl')} (FORMAT json)`);
    await con.run(`COPY (SELECT * FROM read_csv(${q('pool.csv')}, header = true)) TO ${q('pool.tsv')} (FORMAT csv, HEADER true, DELIMITER '\t')`);
    await con.run(`COPY (SELECT * FROM read_csv(${q('all.csv')}, header = true)) TO ${q('all.json')} (FORMAT json, ARRAY true)`);
  } finally {
    close();
  }
  const pick = async (pool: string, labelled: string, out: string) => {
    const r = await runVerde(['data', 'select', '--store', p('runs.db'), '--pool', p(pool), '--labelled', p(labelled), '--label-col', 'label', '--budget', '15', '--strategy', 'uncertainty', '--out', p(out)]);
    assert.equal(r.code, 0, `${pool} + ${labelled}: ${r.stderr}`);
    return readCsv(p(out)).rows.map((row) => `${row[0]}:${row[1]}`);
  };
  const fromCsv = await pick('pool.csv', 'labelled.csv', 'f-csv.csv');
  assert.deepEqual(await pick('pool.jsonl', 'labelled.parquet', 'f-jsonl.csv'), fromCsv, 'JSONL pool + Parquet labelled: same rows and scores');
  assert.deepEqual(await pick('pool.tsv', 'labelled.csv', 'f-tsv.csv'), fromCsv, 'TSV pool: same rows and scores');
  const sim = await runVerde(['data', 'select', '--store', p('runs.db'), '--simulate', '--pool', p('all.json'), '--label-col', 'label', '--budget', '20', '--target', '0.5', '--out', p('sim-json.json')]);
  assert.equal(sim.code, 0, sim.stderr);
  assert.equal(JSON.parse(readFileSync(p('sim-json.json'), 'utf8')).rows, 1200);
  // A file that is not what its extension says: one line naming the user's file.
  writeFileSync(p('fake.parquet'), 'a,b\n1,2\n');
  const bad = await runVerde(['data', 'select', '--store', p('runs.db'), '--pool', p('fake.parquet'), '--labelled', p('labelled.csv'), '--out', p('never.csv')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /fake\.parquet: not a Parquet file/);
  assert.ok(!existsSync(p('never.csv')));
  // A missing column named in the user's file, not in a temporary copy.
  writeFileSync(p('narrow.jsonl'), '{"a": 1, "b": 2}\n');
  const narrow = await runVerde(['data', 'select', '--store', p('runs.db'), '--pool', p('narrow.jsonl'), '--labelled', p('labelled.csv'), '--out', p('never.csv')]);
  assert.equal(narrow.code, 2);
  assert.match(narrow.stderr, /narrow\.jsonl: column "noise" .*not found/);
  assert.doesNotMatch(narrow.stderr, /verde-select-in-/);

  const db = openStore(p('runs.db'));
  try {
    const runs = listRuns(db).filter((r) => r.command === 'data select');
    assert.ok(runs.length >= 4, `data select runs recorded: ${runs.length}`);
    for (const r of runs) {
      assert.ok(r.energyJ > 0);
      assert.match(r.energyMethod, /^(measured|modelled):/);
    }
  } finally {
    db.close();
  }
});
