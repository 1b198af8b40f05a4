import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTabular } from '../../src/data/tabular/index.js';
import { UserError } from '../../src/util/errors.js';

async function withFile(content: string, fn: (path: string, dir: string) => Promise<void>, name = 'd.csv'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'verde-tab-'));
  try {
    const path = join(dir, name);
    await writeFile(path, content);
    await fn(path, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const userError = (re: RegExp) => (err: unknown) => err instanceof UserError && re.test(err.message);

test('numeric and categorical features, missing values, string labels: minority is positive', async () => {
  const csv = 'amount,kind,note,label\n10,a,"x, quoted",ok\n,b,y,ok\n3.5,a,NA,fraud\n7,,z,ok\n';
  await withFile(csv, async (path) => {
    const ds = await readTabular(path, { labelCol: 'label' });
    assert.deepEqual(ds.features.map((f) => [f.name, f.type]), [['amount', 'numeric'], ['kind', 'categorical'], ['note', 'categorical']]);
    assert.deepEqual(ds.features[1]!.categories, ['a', 'b']);
    assert.deepEqual(Array.from(ds.labels), [0, 0, 1, 0]);
    assert.deepEqual(ds.schema.labels, ['ok', 'fraud']);
    assert.ok(Number.isNaN(ds.columns[0]![1]!));
    assert.ok(Number.isNaN(ds.columns[1]![3]!));
    assert.equal(ds.columns[1]![2], 0);
    assert.equal(ds.report.missingByFeature.amount, 1);
    const flipped = await readTabular(path, { labelCol: 'label', positive: 'ok' });
    assert.deepEqual(Array.from(flipped.labels), [1, 1, 0, 1]);
  });
});

test('schema re-encoding: same category indices, unknown categories become NaN', async () => {
  await withFile('kind,y\na,0\nb,1\na,0\n', async (path, dir) => {
    const train = await readTabular(path, { labelCol: 'y' });
    const other = join(dir, 'test.csv');
    await writeFile(other, 'y,kind\n1,b\n0,zzz\n');
    const t = await readTabular(other, { labelCol: 'y', schema: train.schema });
    assert.equal(t.columns[0]![0], 1);
    assert.ok(Number.isNaN(t.columns[0]![1]!));
    assert.equal(t.report.unknownCategoriesByFeature.kind, 1);
  });
});

test('bad input: malformed row, missing label column, one class, text in a numeric column, Inf', async () => {
  await withFile('a,y\n1,0\n2,1,3\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'y' }), userError(/d\.csv: line 3: expected 2 fields .* found 3/));
  });
  await withFile('a,y\n1,0\n"2,1\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'y' }), userError(/line 3: unterminated quoted field/));
  });
  await withFile('a,b\n1,0\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'label' }), userError(/label column "label" not found \(columns: a, b\)/));
  });
  await withFile('a,y\n1,0\n2,0\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'y' }), userError(/only one class/));
  });
  await withFile('a,y\n1,0\n2,1\n3,2\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'y' }), userError(/3 classes/));
  });
  await withFile('a,y\n1,0\n,1\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'a' }), userError(/line 3: label column "a" is empty/));
  });
  await withFile('a,y\n1,0\n2,1\nabc,0\n4,1\n5,0\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'y' }), userError(/line 4: column "a" value "abc" is not a number/));
    const ds = await readTabular(path, { labelCol: 'y', categorical: ['a'] });
    assert.equal(ds.features[0]!.type, 'categorical');
  });
  await withFile('a,y\n1,0\nInf,1\n1e40,0\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'y' }), userError(/line 3: column "a" has an infinite value \(2 in all/));
    const ds = await readTabular(path, { labelCol: 'y', onInfinite: 'missing' });
    assert.ok(Number.isNaN(ds.columns[0]![1]!) && Number.isNaN(ds.columns[0]![2]!));
    assert.equal(ds.report.infiniteByFeature.a, 2);
  });
  await withFile('a,y\n1,0\n2,1\n', async (path) => {
    await assert.rejects(readTabular(path, { labelCol: 'y', positive: 'yes' }), userError(/--positive: "yes" is not a value/));
  });
  await assert.rejects(readTabular('/nonexistent/file.csv', { labelCol: 'y' }), userError(/file not found/));
});

test('Parquet input reads like CSV (through DuckDB)', async () => {
  await withFile('amount,kind,y\n1.5,a,no\n2.5,b,yes\n,a,no\n', async (path, dir) => {
    const pq = join(dir, 'd.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT * FROM read_csv('${path}')) TO '${pq}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    const a = await readTabular(path, { labelCol: 'y' });
    const b = await readTabular(pq, { labelCol: 'y' });
    assert.deepEqual(b.features, a.features);
    assert.deepEqual(Array.from(b.labels), Array.from(a.labels));
    assert.deepEqual(Array.from(b.columns[0]!), Array.from(a.columns[0]!));
  });
});

test('a Parquet file with a corrupt data page (footer intact) is one line naming the file, not a DuckDB error', async () => {
  await withFile('', async (_path, dir) => {
    const pq = join(dir, 'broken.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT 'text number ' || i::VARCHAR || repeat('x', i % 50) AS note, i * 1.5 AS amount, CASE WHEN i % 3 = 0 THEN 'yes' ELSE 'no' END AS y FROM range(2000) r(i)) TO '${pq}' (FORMAT parquet, COMPRESSION snappy)`);
    con.closeSync();
    db.closeSync();
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(pq));
    // Scribble over the data pages (after the 4-byte magic, well before the footer): the schema
    // still reads, the pages do not decompress.
    for (let i = 64; i < Math.floor(bytes.length / 2); i += 7) bytes[i] ^= 0x5a;
    await writeFile(pq, bytes);
    await assert.rejects(readTabular(pq, { labelCol: 'y' }), userError(/broken\.parquet: not a readable Parquet file \(/));
  });
});
