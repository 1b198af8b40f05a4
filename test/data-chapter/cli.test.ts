import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerde } from '../fixtures/cli.js';
import { openStore, listRuns } from '../../src/store/index.js';

test('verde data minimise: step flags become plan.json (in order), which --plan repeats; profile --json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-data-cli-'));
  try {
    const file = join(dir, 'd.csv');
    const rows = Array.from({ length: 200 }, (_, i) => `${i % 50},${(i % 50) * 2},k,${i % 7 === 0 ? 1 : 0}`);
    await writeFile(file, ['a,b,c,y', ...rows].join('\n') + '\n');
    const store = join(dir, 'runs.db');
    const out = join(dir, 'out');
    const r = await runVerde(['data', 'minimise', file, '--out', out, '--label-col', 'y', '--compact', '--dedup', '--variance', '--correlation', '0.9', '--store', store]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8'));
    assert.deepEqual(plan.steps.map((s: { step: string }) => s.step), ['variance', 'correlation', 'dedup', 'compact']);
    assert.equal(plan.steps[1].threshold, 0.9);
    const figures = JSON.parse(await readFile(join(out, 'minimise.json'), 'utf8'));
    assert.deepEqual(figures.steps.map((s: { droppedColumns: string[] }) => s.droppedColumns), [['c'], ['b'], [], []]);
    assert.equal(figures.final.rows, new Set(rows.map((l) => l.split(',').filter((_, k) => k !== 2 && k !== 1).join())).size);
    assert.match(r.stdout, /minimised: \d+ rows x 2 columns/);
    assert.deepEqual((await readdir(join(out, 'removed'))).sort(), ['correlation.parquet', 'dedup.parquet', 'variance.parquet']);
    const again = await runVerde(['data', 'minimise', file, '--out', join(dir, 'again'), '--plan', join(out, 'plan.json'), '--store', store]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(await readFile(join(dir, 'again', 'minimise.json'), 'utf8')).final.rows, figures.final.rows);
    const p = await runVerde(['data', 'profile', file, '--label-col', 'y', '--json', join(dir, 'p.json'), '--store', store]);
    assert.equal(p.code, 0, p.stderr);
    const profile = JSON.parse(await readFile(join(dir, 'p.json'), 'utf8'));
    assert.equal(profile.rows, 200);
    assert.equal(profile.exactDuplicates, 200 - new Set(rows).size);
    assert.match(p.stdout, /highly correlated .*a ~ b/);
    // profile and minimise are recorded in the run store like every measured command, with the energy method.
    const db = openStore(store);
    try {
      const runs = listRuns(db);
      for (const command of ['data profile', 'data minimise']) {
        const of = runs.filter((r) => r.command === command);
        assert.ok(of.length >= 1, `${command} recorded`);
        assert.match(of[0]!.energyMethod, /^(measured|modelled):/);
      }
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
