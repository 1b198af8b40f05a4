/**
 * Issue 12 items 11 and 10: any valid UTF-8 is text (U+FFFD included); only invalid byte sequences
 * are refused, or with --invalid-utf8 replaced (U+FFFD, as WHATWG decoders do) or skipped, with
 * counts; an empty data file says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readTextTable, readTexts } from '../../src/data/text/index.js';
import { Utf8Scanner } from '../../src/data/text/utf8.js';
import { bagModel, writeBagModelDir } from '../predict/bag-model.js';
import { withDir, oneLine, CLI, run } from './helpers.js';

test('valid UTF-8 holding U+FFFD (left by earlier conversions) is read as it is', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'reviews.csv');
    await writeFile(f, 'text,label\n"caf\uFFFD was great",pos\n"awful \uFFFD\uFFFD",neg\n');
    const ds = await readTextTable(f);
    assert.deepEqual(ds.texts, ['caf\uFFFD was great', 'awful \uFFFD\uFFFD']);
    const jl = join(dir, 'reviews.jsonl');
    await writeFile(jl, '{"text":"\uFFFD ok","label":"a"}\n{"text":"fine","label":"b"}\n');
    assert.deepEqual((await readTextTable(jl)).texts, ['\uFFFD ok', 'fine']);
  });
});

test('invalid bytes: an error naming the line by default; replace (U+FFFD) or skip, counted', async () => {
  await withDir(async (dir) => {
    const bytes = Buffer.concat([
      Buffer.from('text,label\n"good \uFFFD text",pos\n"caf'), Buffer.from([0xe9]), Buffer.from(' au lait",neg\n'),
      Buffer.from('"multi\nline ok",neg\n"two '), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from(' bad ', 'utf8'), Buffer.from([0xc0, 0xaf]), Buffer.from('",neg\n'),
    ]);
    const f = join(dir, 'd.csv');
    await writeFile(f, bytes);
    await assert.rejects(readTextTable(f), oneLine(/d\.csv: line 3: not valid UTF-8 text \(byte 35\); save the file as UTF-8, or pass --invalid-utf8 replace .* or skip/));
    const replaced = { replaced: 0, skipped: 0 };
    const r = await readTextTable(f, { invalidUtf8: 'replace', counts: replaced });
    assert.deepEqual(r.texts, ['good \uFFFD text', 'caf\uFFFD au lait', 'multi\nline ok', 'two \uFFFD bad \uFFFD\uFFFD']);
    assert.deepEqual(replaced, { replaced: 2, skipped: 0 }, 'the genuine U+FFFD of record 1 is not counted');
    const skipped = { replaced: 0, skipped: 0 };
    const s = await readTextTable(f, { invalidUtf8: 'skip', counts: skipped });
    assert.deepEqual(s.texts, ['good \uFFFD text', 'multi\nline ok']);
    assert.deepEqual(skipped, { replaced: 0, skipped: 2 });
    // JSONL and gzip the same way
    const jl = join(dir, 'd.jsonl.gz');
    await writeFile(jl, gzipSync(Buffer.concat([Buffer.from('{"text":"ok"}\n{"text":"bad '), Buffer.from([0xff]), Buffer.from('"}\n')])));
    await assert.rejects(readTexts(jl), oneLine(/d\.jsonl\.gz: line 2: not valid UTF-8 text/));
    const c = { replaced: 0, skipped: 0 };
    assert.deepEqual(await readTexts(jl, 'text', { invalidUtf8: 'replace', counts: c }), ['ok', 'bad \uFFFD']);
    assert.equal(c.replaced, 1);
    assert.deepEqual((await readdir(tmpdir())).filter((n) => n.startsWith(`verde-utf8-${process.pid}.`)), [], 'the cleaned copy is removed');
  });
});

test('the scanner replaces exactly as the WHATWG decoder does, across chunk boundaries (property)', () => {
  const bytesArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xe0, 0xed, 0xf0, 0xf4, 0x80, 0xbf, 0xc2, 0x9f, 0xa0, 0x8f, 0x90)), { maxLength: 40 });
  fc.assert(
    fc.property(bytesArb, fc.array(fc.nat(40), { maxLength: 4 }), (bytes, cuts) => {
      const input = Uint8Array.from(bytes);
      const parts: Uint8Array[] = [];
      const scanner = new Utf8Scanner({ bytes: (b) => parts.push(Uint8Array.from(b)), invalid: () => parts.push(Buffer.from('\uFFFD')) });
      const at = [...new Set(cuts.map((c) => Math.min(c, input.length)))].sort((a, b) => a - b);
      let prev = 0;
      for (const c of [...at, input.length]) {
        scanner.feed(input.subarray(prev, c));
        prev = c;
      }
      scanner.end();
      assert.equal(Buffer.concat(parts).toString('utf8'), new TextDecoder().decode(input));
    }),
    { numRuns: 3000, seed: 11 },
  );
});

test('an empty CSV, TSV or JSONL says the file is empty', async () => {
  await withDir(async (dir) => {
    for (const [name, body] of [['e.csv', ''], ['e.tsv', '\n\n'], ['e.jsonl', '  \n'], ['e.csv.gz', gzipSync('')]] as const) {
      await writeFile(join(dir, name), body);
      await assert.rejects(readTexts(join(dir, name)), oneLine(new RegExp(`${name.replace(/\./g, '\\.')}: the file is empty$`)));
    }
  });
});

test('CLI: verde predict --data --invalid-utf8 skip reports the count; a bad mode is a usage error', async () => {
  await withDir(async (dir) => {
    const model = join(dir, 'model');
    await mkdir(model);
    await writeBagModelDir(model, await bagModel());
    const csv = join(dir, 'm.csv');
    await writeFile(csv, Buffer.concat([Buffer.from('text\nfree money\nlunch '), Buffer.from([0xff]), Buffer.from('\nmeeting \uFFFD\n')]));
    const verde = (args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    const bad = await verde(['predict', '--model', model, '--data', csv]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^verde: .*m\.csv: line 3: not valid UTF-8 text/);
    const ok = await verde(['predict', '--model', model, '--data', csv, '--invalid-utf8', 'skip', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual((JSON.parse(ok.stdout) as { text: string }[]).map((r) => r.text), ['free money', 'meeting \uFFFD']);
    assert.match(ok.stderr, /verde predict: .*m\.csv: 1 record with invalid UTF-8 skipped \(--invalid-utf8 skip\)/);
    const mode = await verde(['predict', '--model', model, '--data', csv, '--invalid-utf8', 'ignore']);
    assert.equal(mode.code, 2);
    assert.match(mode.stderr, /--invalid-utf8: "ignore" must be error, replace or skip/);
  });
});
