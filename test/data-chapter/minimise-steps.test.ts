import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPlan, runMinimise, type MinimiseResult } from '../../src/data/minimise/index.js';
import { openDuck, queryObjects } from '../../src/data/profile/index.js';

interface Row { id: number; v: number; x: number; y: number; konst: string; sparse: number | null; cat: string; label: number }

/**
 * 300 base rows with known properties (v < 0 in 50 of them, 3 planted outliers in x, y = 3x + 2, a
 * constant column, a column 90 % missing, labels 1:3), then 7 exact copies and 4 near copies (new
 * id, category in another case with spaces). Expected counts are computed from these rows.
 */
function rows(): Row[] {
  const cats = ['a', 'b', 'c'];
  const base: Row[] = [];
  for (let i = 0; i < 300; i++) {
    const x = i >= 150 && i < 153 ? 10_000 : (i * 37) % 100;
    base.push({ id: i + 1, v: ((i * 53) % 300) - 50, x, y: 3 * x + 2, konst: 'k', sparse: i % 10 === 0 ? i : null, cat: cats[i % 3]!, label: i % 4 === 0 ? 1 : 0 });
  }
  const exact = base.slice(100, 107).map((r) => ({ ...r }));
  const near = base.slice(200, 204).map((r, k) => ({ ...r, id: 500 + k, cat: ` ${r.cat.toUpperCase()}  ` }));
  return [...base, ...exact, ...near];
}

function csv(rs: Row[]): string {
  return ['id,v,x,y,konst,sparse,cat,label', ...rs.map((r) => `${r.id},${r.v},${r.x},${r.y},${r.konst},${r.sparse ?? ''},${r.cat},${r.label}`)].join('\n') + '\n';
}

async function withData(fn: (file: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'verde-minimise-test-'));
  try {
    const file = join(dir, 'data.csv');
    await writeFile(file, csv(rows()));
    await fn(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(file: string, out: string, steps: Record<string, unknown>[], labelCol?: string): Promise<MinimiseResult> {
  return runMinimise({ input: file, outDir: out, plan: checkPlan({ steps, ...(labelCol ? { labelCol } : {}) }, 'test plan') });
}

async function parquetRows(file: string): Promise<number> {
  const { con, close } = await openDuck(':memory:');
  try {
    return Number((await queryObjects(con, `SELECT count(*) AS n FROM read_parquet('${file}')`))[0]!.n);
  } finally {
    close();
  }
}

const all = rows();
const N = all.length;

test('minimise: row filters (filter, outliers, dedup, nearDedup) remove the planted rows and keep a sample of them', async () => {
  await withData(async (file, dir) => {
    const cases: [Record<string, unknown>, number][] = [
      [{ step: 'filter', where: 'v < 0' }, all.filter((r) => !(r.v < 0)).length],
      [{ step: 'outliers', method: 'z', z: 4 }, N - 3],
      [{ step: 'outliers', method: 'iqr', k: 3, columns: ['x'] }, N - 3],
      [{ step: 'dedup' }, N - 7],
      [{ step: 'dedup', columns: ['v'] }, new Set(all.map((r) => r.v)).size],
      [{ step: 'nearDedup' }, N - 7 - 4],
    ];
    for (const [i, [step, expected]] of cases.entries()) {
      const out = join(dir, `out-${i}`);
      const r = await run(file, out, [step]);
      const s = r.steps[0]!;
      assert.equal(s.rows.before, N, JSON.stringify(step));
      assert.equal(s.rows.after, expected, JSON.stringify(step));
      assert.equal(await parquetRows(join(out, 'minimised.parquet')), expected);
      assert.equal(await parquetRows(join(out, s.removedSample!)), N - expected, 'removed sample holds every removed row (< 1000)');
      assert.ok(s.bytes.before > 0 && s.bytes.after > 0 && s.seconds >= 0);
      assert.match(s.energyMethod, /^(measured|modelled):/);
      const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8'));
      assert.equal(plan.steps[0].step, step.step);
      const figures = JSON.parse(await readFile(join(out, 'minimise.json'), 'utf8'));
      assert.equal(figures.steps[0].rows.after, expected);
    }
  });
});

test('minimise: column steps (variance, correlation, missing, features) drop the planted columns', async () => {
  await withData(async (file, dir) => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ step: 'variance' }, ['konst']],
      [{ step: 'correlation', threshold: 0.95 }, ['y']],
      [{ step: 'missing', maxShare: 0.5 }, ['sparse']],
    ];
    for (const [i, [step, dropped]] of cases.entries()) {
      const r = await run(file, join(dir, `out-${i}`), [step]);
      const s = r.steps[0]!;
      assert.deepEqual(s.droppedColumns, dropped, JSON.stringify(step));
      assert.equal(s.rows.after, N);
      assert.equal(s.columns.after, 8 - dropped.length);
      assert.equal(await parquetRows(join(dir, `out-${i}`, s.removedSample!)), N);
    }
    const f = await run(file, join(dir, 'out-f'), [{ step: 'features', count: 2 }], 'label');
    assert.equal(f.steps[0]!.columns.after, 3, 'two features and the label');
    const dropRows = await run(file, join(dir, 'out-m'), [{ step: 'missing', maxShare: 0.95, dropRows: true }]);
    assert.equal(dropRows.steps[0]!.rows.after, all.filter((r) => r.sparse !== null).length);
  });
});

test('minimise: rebalance, stratified sample and compact storage', async () => {
  await withData(async (file, dir) => {
    const pos = all.filter((r) => r.label === 1).length;
    const neg = N - pos;
    const r = await run(file, join(dir, 'out-r'), [{ step: 'rebalance', ratio: 2 }], 'label');
    assert.equal(r.steps[0]!.rows.after, pos + Math.min(neg, 2 * pos));
    const s = await run(file, join(dir, 'out-s'), [{ step: 'sample', rows: 100 }], 'label');
    assert.equal(s.steps[0]!.rows.after, 100);
    const { con, close } = await openDuck(':memory:');
    try {
      const k = Number((await queryObjects(con, `SELECT count(*) AS n FROM read_parquet('${join(dir, 'out-s', 'minimised.parquet')}') WHERE label = 1`))[0]!.n);
      assert.ok(Math.abs(k - (100 * pos) / N) <= 1, `${k} positives in the sample, ${(100 * pos) / N} expected`);
      const c = await run(file, join(dir, 'out-c'), [{ step: 'compact' }]);
      assert.equal(c.steps[0]!.rows.after, N);
      assert.ok(c.steps[0]!.notes.some((n) => /^id BIGINT -> SMALLINT$/.test(n)), c.steps[0]!.notes.join('; '));
      const types = await queryObjects(con, `DESCRIBE SELECT * FROM read_parquet('${join(dir, 'out-c', 'minimised.parquet')}')`);
      assert.equal(types.find((t) => t.column_name === 'id')!.column_type, 'SMALLINT');
      const same = await queryObjects(con, `SELECT count(*) AS n FROM read_csv('${file}', header = true) a JOIN read_parquet('${join(dir, 'out-c', 'minimised.parquet')}') b ON a.id = b.id AND a.x = b.x AND a.v = b.v`);
      assert.ok(Number(same[0]!.n) >= N, 'narrowed values equal the originals');
    } finally {
      close();
    }
  });
});

test('minimise: a whole plan chains the steps (each step starts where the last ended)', async () => {
  await withData(async (file, dir) => {
    const r = await run(file, join(dir, 'out'), [
      { step: 'filter', where: 'v < 0' }, { step: 'missing', maxShare: 0.5 }, { step: 'outliers', method: 'z', z: 4 }, { step: 'variance' },
      { step: 'correlation', threshold: 0.95 }, { step: 'dedup' }, { step: 'nearDedup' }, { step: 'rebalance', ratio: 3 }, { step: 'compact' },
    ], 'label');
    for (let i = 1; i < r.steps.length; i++) {
      assert.equal(r.steps[i]!.rows.before, r.steps[i - 1]!.rows.after);
      assert.equal(r.steps[i]!.columns.before, r.steps[i - 1]!.columns.after);
      assert.equal(r.steps[i]!.bytes.before, r.steps[i - 1]!.bytes.after);
    }
    assert.equal(r.final.rows, r.steps.at(-1)!.rows.after);
    assert.equal(r.final.columns, 8 - 3);
  });
});
