import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileFile, formatProfile } from '../../src/data/profile/index.js';

/**
 * A file with known properties: 500 base rows (unique id, x, y = 2x + 1, a constant column, a column
 * missing in every 5th row, a 3-value category, labels 4:1), then 10 exact copies of rows 0..9 and
 * 5 near copies of rows 20..24 (new id, category in other case with spaces, x + 0.001).
 */
function knownCsv(): string {
  const lines = ['id,x,y,konst,m,cat,label'];
  const row = (id: number, x: number, cat: string, i: number) =>
    `${id},${x},${2 * x + 1},k,${i % 5 === 0 ? '' : (i * 7) % 13},${cat},${i % 5 === 4 ? 'pos' : 'neg'}`;
  const cats = ['red', 'green', 'blue'];
  const base: string[] = [];
  for (let i = 0; i < 500; i++) base.push(row(i + 1, i * 1.5, cats[i % 3]!, i));
  lines.push(...base, ...base.slice(0, 10));
  for (let i = 20; i < 25; i++) lines.push(row(1000 + i, i * 1.5 + 0.001, `  ${cats[i % 3]!.toUpperCase()} `, i));
  return lines.join('\n') + '\n';
}

test('profile: rows, types, missing share, near-constant, correlated pair, duplicates, labels, bytes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-profile-test-'));
  try {
    const file = join(dir, 'known.csv');
    await writeFile(file, knownCsv());
    const p = await profileFile(file, { labelCol: 'label' });
    assert.equal(p.rows, 515);
    assert.deepEqual(p.columns.map((c) => c.name), ['id', 'x', 'y', 'konst', 'm', 'cat', 'label']);
    const col = (n: string) => p.columns.find((c) => c.name === n)!;
    // Every 5th base row (i % 5 === 0) has m missing: 100 of 500, 2 of the 10 copies, 1 of the 5 near copies.
    assert.equal(col('m').missing, 103);
    assert.ok(Math.abs(col('m').missingShare - 103 / 515) < 1e-12);
    assert.equal(col('konst').nearConstant, true);
    assert.equal(col('x').nearConstant, false);
    assert.equal(col('x').min, 0);
    assert.equal(col('x').max, 499 * 1.5);
    assert.equal(col("cat").distinct, 6);
    assert.ok(p.correlatedPairs.some((q) => q.a === 'x' && q.b === 'y' && q.r > 0.999));
    assert.ok(!p.correlatedPairs.some((q) => q.a === 'm' || q.b === 'm'));
    assert.equal(p.exactDuplicates, 10);
    assert.equal(p.nearDuplicates, 5);
    assert.deepEqual(p.nearDuplicateKey.columnsLeftOut, ['id']);
    const classes = Object.fromEntries(p.label!.classes.map((c) => [c.value, c.rows]));
    assert.deepEqual(classes, { neg: 400 + 8 + 4, pos: 100 + 2 + 1 });
    assert.ok(p.bytes.asRead > 0 && p.bytes.zstdParquet > 0);
    const text = formatProfile(p);
    assert.match(text, /515 rows x 7 columns/);
    assert.match(text, /near-constant/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('profile: the same figures from JSON Lines and Parquet', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-profile-test-'));
  try {
    const rows = Array.from({ length: 200 }, (_, i) => ({ a: i % 10, b: i % 3 === 0 ? null : `t${i % 4}`, y: i % 2 }));
    const jsonl = join(dir, 'd.jsonl');
    await writeFile(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const p = await profileFile(jsonl, { labelCol: 'y' });
    assert.equal(p.rows, 200);
    assert.equal(p.columns.find((c) => c.name === 'b')!.missing, 67);
    const { openDuck } = await import('../../src/data/profile/index.js');
    const { con, close } = await openDuck(':memory:');
    const pq = join(dir, 'd.parquet');
    await con.run(`COPY (SELECT * FROM read_json('${jsonl}', format = 'newline_delimited')) TO '${pq}' (FORMAT parquet)`);
    close();
    const q = await profileFile(pq, { labelCol: 'y' });
    assert.equal(q.rows, p.rows);
    assert.equal(q.exactDuplicates, p.exactDuplicates);
    assert.equal(q.exactDuplicates, 200 - new Set(rows.map((r) => JSON.stringify(r))).size);
    assert.deepEqual(q.label, p.label);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
