import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextTable, loadTextData } from '../../src/data/text/index.js';
import { writeParquet } from './parquet.js';
import { withDir } from './helpers.js';

test('CSV with string labels: ids follow sorted label order, whatever the row order', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'reviews.csv');
    await writeFile(f, 'review,sentiment\n"Great, loved it",positive\nawful,negative\n"meh, ""fine""",neutral\nsuperb,positive\n');
    const ds = await readTextTable(f, { textCol: 'review', labelCol: 'sentiment' });
    assert.deepEqual(ds.labelNames, ['negative', 'neutral', 'positive']);
    assert.deepEqual(ds.labels, [2, 0, 1, 2]);
    assert.deepEqual(ds.texts, ['Great, loved it', 'awful', 'meh, "fine"', 'superb']);
    assert.equal(ds.source, f);
  });
});

test('JSONL with integer labels sorts numerically; Parquet reads the same', async () => {
  await withDir(async (dir) => {
    const rows = [{ text: 'a', label: 10 }, { text: 'b', label: 2 }, { text: 'c', label: 2 }, { text: 'd', label: 0 }];
    const jl = join(dir, 'd.jsonl');
    await writeFile(jl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const a = await readTextTable(jl);
    assert.deepEqual(a.labelNames, ['0', '2', '10']);
    assert.deepEqual(a.labels, [2, 1, 1, 0]);
    const pq = join(dir, 'd.parquet');
    await writeParquet(pq, rows);
    const b = await readTextTable(pq);
    assert.deepEqual(b.labelNames, a.labelNames);
    assert.deepEqual(b.labels, a.labels);
    assert.deepEqual(b.texts, a.texts);
  });
});

test('bad input: one-line errors naming the file and the field', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'd.csv');
    await writeFile(f, 'text,label\nhello,spam\nbye,ham\n');
    const oneLine = (re: RegExp) => (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      assert.match(e.message, re);
      return true;
    };
    await assert.rejects(readTextTable(f, { labelCol: 'lable' }),
      oneLine(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no column "lable" \\(columns: text, label\\); did you mean --label-col label\\?$`)));
    await assert.rejects(readTextTable(f, { textCol: 'body' }), oneLine(/d\.csv: no column "body" \(columns: text, label\); name the right one with --text-col/));

    await writeFile(f, 'text,label\nhello,spam\nbye,spam\n');
    await assert.rejects(readTextTable(f), oneLine(/d\.csv: field "label" has only one class \("spam"\); a classifier needs two or more classes/));

    await writeFile(f, 'text,label\nhello,spam\n"  ",ham\n');
    await assert.rejects(readTextTable(f), oneLine(/d\.csv: record 2: field "text" is empty/));
    await writeFile(f, 'text,label\nhello,spam\nbye,\n');
    await assert.rejects(readTextTable(f), oneLine(/d\.csv: record 2: field "label" is empty/));

    await writeFile(f, Buffer.concat([Buffer.from('text,label\nhello,1\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes,0\n')]));
    await assert.rejects(readTextTable(f), oneLine(/d\.csv: line \d+: not valid UTF-8 text/));
    const jl = join(dir, 'd.jsonl');
    await writeFile(jl, Buffer.concat([Buffer.from('{"text":"ok","label":1}\n{"text":"bad '), Buffer.from([0xff]), Buffer.from('","label":0}\n')]));
    await assert.rejects(readTextTable(jl), oneLine(/d\.jsonl: line \d+: not valid UTF-8 text/));

    await assert.rejects(readTextTable(join(dir, 'missing.csv')), oneLine(/missing\.csv: file not found/));
    await writeFile(join(dir, 'd.xlsx'), 'x');
    await assert.rejects(readTextTable(join(dir, 'd.xlsx')), oneLine(/d\.xlsx: unknown file type "\.xlsx"/));
    await assert.rejects(loadTextData({ data: f, dataset: 'imdb' }), oneLine(/--data and --dataset/));
  });
});

test('one pass or checked pass, own or shared database: the same rows and the same errors', async () => {
  const { shareMemoryDuckDB, unshareMemoryDuckDB } = await import('../../src/util/duckdb-memory.js');
  await withDir(async (dir) => {
    const f = join(dir, 'd.csv');
    await writeFile(f, 'text,label,Note\nhello,spam,x\nbye,ham,y\n');
    const same = join(dir, 's.jsonl');
    await writeFile(same, '{"text":"a","label":{"k":[1,2]}}\n{"text":"b","label":null}\n');
    const runAll = async () => {
      const out: unknown[] = [await readTextTable(f)];
      // A name matching only when case is ignored (DuckDB would accept it) is still refused, with the hint.
      await assert.rejects(readTextTable(f, { textCol: 'Text' }), /d\.csv: no column "Text" \(columns: text, label, Note\); did you mean --text-col text\?$/);
      // The same column for text and label: the checked path, same rows.
      out.push(await readTextTable(f, { textCol: 'text', labelCol: 'text' }).catch((e: Error) => e.message));
      // Nested JSON cast to text as DuckDB casts it.
      out.push(await readTextTable(same).catch((e: Error) => e.message));
      return out;
    };
    const own = await runAll();
    await shareMemoryDuckDB(1);
    try {
      assert.deepEqual(await runAll(), own);
    } finally {
      unshareMemoryDuckDB();
    }
    assert.deepEqual((own[0] as { texts: string[] }).texts, ['hello', 'bye']);
  });
});

test('a glob of text files gets the UTF-8 check: the invalid file is named with its line and byte', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.csv'), 'text,label\nhello,spam\nbye,ham\n');
    await writeFile(join(dir, 'b.csv'), 'text,label\nwin,spam\nlunch,ham\n');
    const pattern = join(dir, '*.csv');
    const ok = await readTextTable(pattern);
    assert.deepEqual([...ok.texts].sort(), ['bye', 'hello', 'lunch', 'win']);
    await writeFile(join(dir, 'b.csv'), Buffer.concat([Buffer.from('text,label\nwin,spam\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from(' bytes,ham\n')]));
    const oneLine = (re: RegExp) => (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      assert.match(e.message, re);
      return true;
    };
    await assert.rejects(readTextTable(pattern), oneLine(/b\.csv: line 3: not valid UTF-8 text \(byte 24\); save the file as UTF-8/));
    // replace and skip apply to a glob too: test/data-text/utf8-glob-parquet.test.ts
    assert.deepEqual((await readTextTable(pattern, { invalidUtf8: 'skip' })).texts, ['hello', 'bye', 'win']);
  });
});

test('Parquet with an invalid UTF-8 string: the tabular reader (no --invalid-utf8) says so on one line naming the file and the value', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { readFile } = await import('node:fs/promises');
  const { readTabular } = await import('../../src/data/tabular/read.js');
  await withDir(async (dir) => {
    const f = join(dir, 'bad.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT * FROM (VALUES ('good one', 'spam'), ('bad QQ here', 'ham'), ('fine', 'ham')) t(text, label)) TO '${f.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION uncompressed)`);
    con.closeSync();
    db.closeSync();
    // Uncompressed, the value (and its statistics) are plain bytes: make "QQ" an invalid sequence (0xC3 0x28).
    const bytes = await readFile(f);
    let patched = 0;
    for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0x51 && bytes[i + 1] === 0x51) (bytes[i] = 0xc3), (bytes[i + 1] = 0x28), patched++;
    assert.ok(patched > 0);
    await writeFile(f, bytes);
    await assert.rejects(readTabular(f, { labelCol: 'label' }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      assert.match(e.message, /bad\.parquet: a string is not valid UTF-8 \(value "bad \\xC3\( here"\); Parquet text must be UTF-8: re-export the file with valid strings/);
      return true;
    });
    // the text readers name the row and byte, and apply --invalid-utf8: test/data-text/utf8-glob-parquet.test.ts
    await assert.rejects(readTextTable(f), /bad\.parquet: row 2, column "text": not valid UTF-8 text \(byte 4 of the value\)/);
  });
});
