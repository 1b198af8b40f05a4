/** verde score's bad input: one line naming the flag, file or field, exit 2, and no --out written. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { scoreFixture, verde, type ScoreFixture } from './helpers.js';

let f: ScoreFixture;
before(async () => {
  f = await scoreFixture(200);
});
after(async () => {
  await rm(f.dir, { recursive: true, force: true });
});

test('bad input: one line, exit 2, nothing written', async () => {
  const wrongCols = join(f.dir, 'wrong.csv');
  await writeFile(wrongCols, 'amount,hour,chanel\n1,2,web\n');
  const cases: [string[], RegExp][] = [
    [['--data', join(f.dir, 'nope.csv')], /nope\.csv: file not found$/],
    [['--data', wrongCols], /wrong\.csv: no column "channel" \(the model reads amount, hour, channel; the file has amount, hour, chanel\)$/],
    [['--data', join(f.dir, 'none', '*.parquet')], /\*\.parquet: cannot read \(No files found/],
    [['--data', f.csv, '--batch-rows', '0'], /^verde: --batch-rows: expected a whole number from 1/],
    [['--data', f.csv, '--queue', 'http://127.0.0.1:1'], /^verde: --queue http:\/\/127\.0\.0\.1:1\/: expected a redis:\/\/ URL$/],
    [['--data', f.csv, '--push', 'ftp://gw'], /^verde: --push ftp:\/\/gw: expected an http:\/\/ or https:\/\/ URL$/],
  ];
  for (const [i, [args, re]] of cases.entries()) {
    const out = join(f.dir, `out-${i}`);
    const r = await verde(['score', '--model', f.model, '--out', out, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, re);
    assert.ok(lines[0]!.startsWith('verde: '));
    await assert.rejects(stat(out), 'no --out folder for a run that never started');
  }
  const m = await verde(['score', '--model', join(f.dir, 'no-model'), '--data', f.csv, '--out', join(f.dir, 'o')]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /^verde: .*no-model: /);
});
