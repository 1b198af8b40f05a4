/**
 * verde runs import: CodeCarbon's emissions.csv (here written by a real `verde measure`, in
 * CodeCarbon's columns) becomes runs a report can use; a CSV with a missing or an extra column or
 * a non-numeric cell is one line, exit 2, and imports nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, listRuns, getRun } from '../../src/store/index.js';
import { verde } from './helpers.js';

let dir: string;
let csv: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verde-import-'));
  const m = await verde(['measure', '--out', join(dir, 'm'), '--country', 'FRA', '--store', join(dir, 'measured.db'), '--', process.execPath, '-e', 'let x=0; for (let i=0;i<2e7;i++) x+=i']);
  assert.equal(m.code, 0, m.stderr);
  csv = await readFile(join(dir, 'm', 'emissions.csv'), 'utf8');
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

test('a CodeCarbon emissions.csv imports as runs with its energy, carbon and hardware, and reports', async () => {
  const file = join(dir, 'emissions.csv');
  // Two rows: the measured one and a copy as a second run id (CodeCarbon appends one row per run).
  const [header, row] = csv.trim().split('\n');
  const cols = header!.split(',');
  const second = row!.split(',');
  second[cols.indexOf('run_id')] = 'python-run-2';
  second[cols.indexOf('energy_consumed')] = '0.002';
  second[cols.indexOf('emissions')] = '0.0002';
  await writeFile(file, [header, row, second.join(',')].join('\n') + '\n');
  const store = join(dir, 'import.db');
  const r = await verde(['runs', 'import', file, '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported 2 run\(s\)/);
  const db = openStore(store, { create: false });
  const runs = listRuns(db);
  assert.equal(runs.length, 2);
  const two = getRun(db, 'codecarbon:python-run-2');
  assert.equal(two.energyJ, 0.002 * 3.6e6);
  assert.equal(two.co2eGrams, 0.2);
  assert.ok(Math.abs(two.carbon.gPerKWh - 100) < 1e-9, 'intensity = emissions / energy');
  assert.equal(two.carbon.countryIsoCode, 'FRA');
  assert.match(two.energyMethod, /^imported:codecarbon/);
  assert.deepEqual(two.components.map((c) => c.component), ['cpu', 'gpu', 'ram']);
  db.close();
  // Importing again replaces the same runs: still two.
  assert.equal((await verde(['runs', 'import', file, '--store', store])).code, 0);
  const db2 = openStore(store, { create: false });
  assert.equal(listRuns(db2).length, 2);
  db2.close();
  const rep = await verde(['report', '--store', store, '--last', '2', '--format', 'json', '--out', join(dir, 'imported.json')]);
  assert.equal(rep.code, 0, rep.stderr);
  const json = JSON.parse(await readFile(join(dir, 'imported.json'), 'utf8'));
  assert.equal(json.runs.length, 2);
  assert.ok(json.grids[0].grams.some((g: { grid: string; co2eGrams: number }) => g.grid === 'Poland' && g.co2eGrams > 0));
});

test('missing column, extra column, non-numeric cell: one line each, exit 2, nothing imported', async () => {
  const [header, row] = csv.trim().split('\n');
  const cols = header!.split(',');
  const cells = row!.split(',');
  const without = (name: string) => {
    const i = cols.indexOf(name);
    return [cols.filter((_, j) => j !== i).join(','), cells.filter((_, j) => j !== i).join(',')].join('\n');
  };
  const bad = cells.slice();
  bad[cols.indexOf('energy_consumed')] = 'lots';
  const cases: [string, string, RegExp][] = [
    ['missing.csv', without('energy_consumed'), /missing\.csv: not CodeCarbon's emissions\.csv: missing column "energy_consumed"/],
    ['extra.csv', [header + ',favourite_colour', row + ',green'].join('\n'), /extra\.csv: not CodeCarbon's emissions\.csv: unexpected column "favourite_colour"/],
    ['nonnumeric.csv', [header, bad.join(',')].join('\n'), /nonnumeric\.csv: line 2, column "energy_consumed": "lots" is not a number/],
    ['short.csv', [header, cells.slice(0, 5).join(',')].join('\n'), /short\.csv: line 2 has 5 fields, expected 38/],
  ];
  const store = join(dir, 'bad.db');
  for (const [name, text, expected] of cases) {
    const file = join(dir, name);
    await writeFile(file, text + '\n');
    const r = await verde(['runs', 'import', file, '--store', store]);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  // Nothing was imported (the store may not even exist).
  const r = await verde(['runs', 'list', '--store', store]);
  assert.ok(r.code === 2 || /no runs recorded yet/.test(r.stdout), r.stdout + r.stderr);
});
