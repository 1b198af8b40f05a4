import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerde } from '../fixtures/cli.js';

const CSV = ['v,label,text', ...Array.from({ length: 40 }, (_, i) => `${i},${i % 2},text number ${i}`)].join('\n') + '\n';

/** Each bad input: exit 2, one line `verde: ...` matching `pattern`, and --out exactly as it was. */
test('data minimise and profile: bad input is one line, exit 2, --out untouched', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-data-bad-'));
  try {
    const good = join(dir, 'good.csv');
    await writeFile(good, CSV);
    const oneClass = join(dir, 'one-class.csv');
    await writeFile(oneClass, ['v,label', ...Array.from({ length: 10 }, (_, i) => `${i},0`)].join('\n') + '\n');
    const fakeParquet = join(dir, 'fake.parquet');
    await writeFile(fakeParquet, CSV);
    const binaryCsv = join(dir, 'binary.csv');
    await writeFile(binaryCsv, Buffer.from([0x50, 0x41, 0x52, 0x31, 0, 1, 2, 3, 0, 0, 0x50, 0x41, 0x52, 0x31]));
    const fakeJson = join(dir, 'fake.jsonl');
    await writeFile(fakeJson, CSV);
    const plan = async (name: string, value: unknown) => {
      const p = join(dir, name);
      await writeFile(p, JSON.stringify(value));
      return p;
    };
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'an earlier result');
    const cases: [string[], RegExp][] = [
      [['--plan', await plan('unknown-col.json', { steps: [{ step: 'dedup', columns: ['nope'] }] })], /step 1 \(dedup\): no column "nope"/],
      [['--plan', await plan('unknown-step.json', { steps: [{ step: 'shrink' }] })], /step 1: unknown step "shrink"/],
      [['--plan', await plan('bad-param.json', { steps: [{ step: 'outliers', z: -1 }] })], /step 1 \(outliers\): parameter "z" must be > 0/],
      [['--plan', await plan('unknown-param.json', { steps: [{ step: 'correlation', r: 0.9 }] })], /step 1 \(correlation\): unknown parameter "r"/],
      [['--plan', await plan('missing-param.json', { steps: [{ step: 'sample' }], labelCol: 'label' })], /step 1 \(sample\): parameter "rows" is required/],
      [['--filter', 'v = (5'], /step 1 \(filter\) predicate "v = \(5": .*syntax error/i],
      [['--filter', 'nope > 1'], /step 1 \(filter\) predicate "nope > 1": .*nope/],
      [['--filter', 'v >= 0'], /step 1 \(filter\): removed every row/],
      [['--dedup', '--sample', '5'], /needs a label column/],
      [['--dedup', '--label-col', 'lbl'], /--label-col: no column "lbl"/],
      [['--dedup', '--evaluate'], /--evaluate: needs --label-col/],
      [['--outliers', 'mad'], /--outliers: "mad" must be z/],
    ];
    const check = async (args: string[], pattern: RegExp) => {
      const r = await runVerde(args);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n').filter((l) => !/^step \d+ \(/.test(l));
      assert.equal(lines.length, 1, `${args.join(' ')}: one line, got\n${r.stderr}`);
      assert.match(lines[0]!, /^verde: /);
      assert.match(lines[0]!, pattern, args.join(' '));
      assert.deepEqual(await readdir(out), ['keep.txt'], `${args.join(' ')}: --out untouched`);
      assert.equal(await readFile(join(out, 'keep.txt'), 'utf8'), 'an earlier result');
      assert.ok(!(await readdir(dir)).some((n) => n.startsWith('.out.')), 'no temporary directory left beside --out');
    };
    for (const [args, pattern] of cases) await check(['data', 'minimise', good, '--out', out, ...args], pattern);
    await check(['data', 'minimise', oneClass, '--out', out, '--dedup', '--label-col', 'label'], /only one class \(0\)/);
    await check(['data', 'minimise', fakeParquet, '--out', out, '--dedup'], /fake\.parquet: not a Parquet file/);
    await check(['data', 'minimise', binaryCsv, '--out', out, '--dedup'], /binary\.csv: not a CSV text file/);
    await check(['data', 'minimise', fakeJson, '--out', out, '--dedup'], /fake\.jsonl: not a JSONL file/);
    await check(['data', 'profile', fakeParquet], /not a Parquet file/);
    await check(['data', 'profile', good, '--label-col', 'nope'], /label column "nope" not found/);
    await check(['data', 'profile', join(dir, 'absent.csv')], /absent\.csv: file not found/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
