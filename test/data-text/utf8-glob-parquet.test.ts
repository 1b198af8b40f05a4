/**
 * Issue 12 item 11: `--invalid-utf8 replace|skip` apply to a glob of text files and to Parquet
 * string columns (no longer refused there), with the same counts as one text file; `error` stays a
 * one-line message naming file, line/row and byte. Real files written into a temp dir: CSV files,
 * and Parquet files written by DuckDB whose bytes are then patched to hold an invalid sequence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadTextData, readTextTable, readTexts } from '../../src/data/text/index.js';
import { patchStringAnnotations } from '../../src/data/text/parquet-binary-copy.js';
import { bagModel, writeBagModelDir } from '../predict/bag-model.js';
import { withDir, oneLine, CLI, run } from './helpers.js';

const fresh = () => ({ replaced: 0, skipped: 0 });

/** No temporary copy of this process is left in tmpdir(). */
async function noTempsLeft(): Promise<void> {
  assert.deepEqual((await readdir(tmpdir())).filter((n) => n.startsWith(`verde-utf8-${process.pid}.`)), []);
}

/** Three CSV files; b.csv has one invalid byte (0xFF) on its line 3 (byte 24). */
async function writeGlob(dir: string): Promise<string> {
  await writeFile(join(dir, 'a.csv'), 'text,label\nhello,spam\nbye,ham\n');
  await writeFile(join(dir, 'b.csv'), Buffer.concat([Buffer.from('text,label\nwin,spam\nbad '), Buffer.from([0xff]), Buffer.from(' byte,ham\ncaf\uFFFD ok,ham\n')]));
  await writeFile(join(dir, 'c.csv'), 'text,label\nlunch,ham\nfree,spam\n');
  return join(dir, '*.csv');
}

test('a glob of 3 text files, one invalid byte in one: error names it; replace and skip apply, counted', async () => {
  await withDir(async (dir) => {
    const pattern = await writeGlob(dir);
    await assert.rejects(readTextTable(pattern), oneLine(/b\.csv: line 3: not valid UTF-8 text \(byte 24\); save the file as UTF-8, or pass --invalid-utf8 replace .* or skip/));
    const replaced = fresh();
    const r = await readTextTable(pattern, { invalidUtf8: 'replace', counts: replaced });
    assert.deepEqual(r.texts, ['hello', 'bye', 'win', 'bad \uFFFD byte', 'caf\uFFFD ok', 'lunch', 'free'], 'every file, in name order');
    assert.deepEqual(replaced, { replaced: 1, skipped: 0 }, 'the genuine U+FFFD is not counted');
    const skipped = fresh();
    const s = await readTextTable(pattern, { invalidUtf8: 'skip', counts: skipped });
    assert.deepEqual(s.texts, ['hello', 'bye', 'win', 'caf\uFFFD ok', 'lunch', 'free']);
    assert.deepEqual(s.labels.map((l) => s.labelNames[l]), ['spam', 'ham', 'spam', 'ham', 'ham', 'spam']);
    assert.deepEqual(skipped, { replaced: 0, skipped: 1 });
    // a valid glob is read as before (DuckDB reads the glob itself), nothing counted
    await writeFile(join(dir, 'b.csv'), 'text,label\nwin,spam\n');
    const valid = fresh();
    assert.deepEqual(await readTexts(pattern, 'text', { invalidUtf8: 'skip', counts: valid }), ['hello', 'bye', 'win', 'lunch', 'free']);
    assert.deepEqual(valid, fresh());
    await noTempsLeft();
  });
});

/** A Parquet file (DuckDB, uncompressed so values are plain bytes) whose "QQ" becomes the invalid 0xC3 0x28. */
async function writeBadParquet(f: string, rows: [string, string][]): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const values = rows.map(([t, l]) => `('${t.replace(/'/g, "''")}', '${l}', ${t.length})`).join(', ');
    await con.run(`COPY (SELECT * FROM (VALUES ${values}) t(text, label, n)) TO '${f.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION uncompressed)`);
  } finally {
    con.closeSync();
    db.closeSync();
  }
  const bytes = await readFile(f);
  let patched = 0;
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0x51 && bytes[i + 1] === 0x51) (bytes[i] = 0xc3), (bytes[i + 1] = 0x28), patched++;
  assert.equal(patched > 0, rows.some(([t]) => t.includes('QQ')));
  await writeFile(f, bytes);
}

/**
 * Give each string column of a DuckDB-written Parquet file the LogicalType STRING annotation too, as
 * pyarrow and Spark write it (DuckDB writes only converted_type UTF8): in the footer, after each
 * schema element's `converted_type = UTF8` (Thrift compact: 0x25 0x00), insert field 10 (0x4C) holding
 * the union's member 1, an empty struct (0x1C 0x00 0x00); the footer's length is rewritten. Data
 * pages come before the footer, so their offsets stay right.
 */
async function addStringLogicalType(f: string, columns: string[]): Promise<void> {
  const bytes = await readFile(f);
  const len = bytes.readUInt32LE(bytes.length - 8);
  let footer = bytes.subarray(bytes.length - 8 - len, bytes.length - 8);
  for (const name of columns) {
    const element = Buffer.concat([Buffer.from([0x18, name.length]), Buffer.from(name), Buffer.from([0x25, 0x00, 0x00])]);
    const at = footer.indexOf(element);
    assert.ok(at > 0, `schema element ${name}`);
    const end = at + element.length - 1; // before the element's stop byte
    footer = Buffer.concat([footer.subarray(0, end), Buffer.from([0x4c, 0x1c, 0x00, 0x00]), footer.subarray(end)]);
  }
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write('PAR1', 4, 'latin1');
  await writeFile(f, Buffer.concat([bytes.subarray(0, bytes.length - 8 - len), footer, tail]));
}

const ROWS: [string, string][] = [['good one', 'spam'], ['bad QQ here', 'ham'], ['caf\uFFFD fine', 'ham'], ['free QQ QQ', 'spam']];

for (const logical of [false, true]) {
  test(`Parquet with invalid UTF-8 strings${logical ? ' (LogicalType STRING too, as pyarrow writes)' : ''}: error names row, column and byte; replace and skip apply, counted`, async () => {
    await withDir(async (dir) => {
      const f = join(dir, 'bad.parquet');
      await writeBadParquet(f, ROWS);
      if (logical) {
        await addStringLogicalType(f, ['text', 'label']);
        const db = await DuckDBInstance.create(':memory:');
        const con = await db.connect();
        const schema = (await con.runAndReadAll(`SELECT name, logical_type FROM parquet_schema('${f}') WHERE name = 'text'`)).getRows();
        con.closeSync();
        db.closeSync();
        assert.match(String(schema[0]![1]), /String/i, 'the test file carries LogicalType STRING');
      }
      await assert.rejects(readTextTable(f), oneLine(/bad\.parquet: row 2, column "text": not valid UTF-8 text \(byte 4 of the value\); re-export the file with UTF-8 strings, or pass --invalid-utf8 replace .* or skip/));
      const replaced = fresh();
      const r = await readTextTable(f, { invalidUtf8: 'replace', counts: replaced });
      assert.deepEqual(r.texts, ['good one', 'bad \uFFFD( here', 'caf\uFFFD fine', 'free \uFFFD( \uFFFD(']);
      assert.deepEqual(r.labelNames, ['ham', 'spam']);
      assert.deepEqual(replaced, { replaced: 2, skipped: 0 }, 'rows counted once each; the genuine U+FFFD is not counted');
      const skipped = fresh();
      const s = await readTextTable(f, { invalidUtf8: 'skip', counts: skipped });
      assert.deepEqual(s.texts, ['good one', 'caf\uFFFD fine']);
      assert.deepEqual(skipped, { replaced: 0, skipped: 2 });
      // the count reaches the notes that `verde text` writes into its results
      const many = join(dir, 'many.parquet');
      await writeBadParquet(many, Array.from({ length: 10 }, () => ROWS).flat());
      if (logical) await addStringLogicalType(many, ['text', 'label']);
      const splits = await loadTextData({ data: many, invalidUtf8: 'skip', trainSize: 12, testSize: 6, validationSize: 0 });
      assert.ok(splits.notes.some((n) => /many\.parquet: 20 records with invalid UTF-8 skipped \(--invalid-utf8 skip\)/.test(n)), splits.notes.join('; '));
      // a column without invalid bytes reads as it is, whatever the mode
      assert.deepEqual(await readTexts(f, 'label', { invalidUtf8: 'error' }), ['spam', 'ham', 'ham', 'spam']);
      await noTempsLeft();
    });
  });
}

test('a glob of Parquet files: the one with invalid strings is read as binary, the others as they are', async () => {
  await withDir(async (dir) => {
    await writeBadParquet(join(dir, 'a.parquet'), [['one', 'spam'], ['two', 'ham']]);
    await writeBadParquet(join(dir, 'b.parquet'), [['QQ three', 'ham'], ['four', 'spam']]);
    const pattern = join(dir, '*.parquet');
    await assert.rejects(readTexts(pattern), oneLine(/b\.parquet: row 1, column "text": not valid UTF-8 text \(byte 0 of the value\)/));
    const c = fresh();
    assert.deepEqual(await readTexts(pattern, 'text', { invalidUtf8: 'replace', counts: c }), ['one', 'two', '\uFFFD( three', 'four']);
    assert.deepEqual(c, { replaced: 1, skipped: 0 });
  });
});

test('the footer patch: converted_type and LogicalType STRING of top-level columns only, same length', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'n.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT 'a' AS s, ['x'] AS l, {'k': 'v'} AS st, 1 AS n) TO '${f}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    await addStringLogicalType(f, ['s']);
    const bytes = await readFile(f);
    const len = bytes.readUInt32LE(bytes.length - 8);
    const footer = Buffer.from(bytes.subarray(bytes.length - 8 - len, bytes.length - 8));
    const before = Buffer.from(footer);
    assert.deepEqual([...patchStringAnnotations(footer)], ['s']);
    assert.equal(footer.length, before.length);
    const changed = [...footer.keys()].filter((i) => footer[i] !== before[i]);
    assert.equal(changed.length, 2, 'two header bytes: converted_type and the LogicalType member');
    for (const i of changed) assert.equal(footer[i]! & 0xf0, before[i]! & 0xf0, 'only the wire type changes, not the field id');
  });
});

test('CLI: verde predict --invalid-utf8 replace|skip on a glob and on Parquet prints the count', async () => {
  await withDir(async (dir) => {
    const model = join(dir, 'model');
    await mkdir(model);
    await writeBagModelDir(model, await bagModel());
    const globDir = join(dir, 'g');
    await mkdir(globDir);
    const pattern = await writeGlob(globDir);
    const pq = join(dir, 'm.parquet');
    await writeBadParquet(pq, [['free money', 'spam'], ['lunch QQ tomorrow', 'ham']]);
    const verde = (args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    const g = await verde(['predict', '--model', model, '--data', pattern, '--invalid-utf8', 'skip', '--json']);
    assert.equal(g.code, 0, g.stderr);
    assert.equal((JSON.parse(g.stdout) as unknown[]).length, 6);
    assert.match(g.stderr, /verde predict: .*\*\.csv: 1 record with invalid UTF-8 skipped \(--invalid-utf8 skip\)/);
    const out = join(dir, 'p.json');
    const p = await verde(['predict', '--model', model, '--data', pq, '--invalid-utf8', 'replace', '--json', '--out', out]);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual((JSON.parse(await readFile(out, 'utf8')) as { text: string }[]).map((r) => r.text), ['free money', 'lunch \uFFFD( tomorrow']);
    assert.match(p.stderr, /verde predict: .*m\.parquet: 1 record with invalid UTF-8: invalid bytes replaced by U\+FFFD \(--invalid-utf8 replace\)/);
    const e = await verde(['predict', '--model', model, '--data', pq]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /^verde: .*m\.parquet: row 2, column "text": not valid UTF-8 text \(byte 6 of the value\)/);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  });
});
