import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPlan, runMinimise } from '../../src/data/minimise/index.js';
import { writeTransactions } from '../../src/data/transactions/index.js';

test('evaluate: GBDT on original vs minimised generated transactions, same held-out test rows, budget flags', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-evaluate-test-'));
  try {
    const file = join(dir, 'tx.parquet');
    await writeTransactions(file, { rows: 4000, fraudRate: 0.05, seed: 3 });
    const plan = checkPlan({ labelCol: 'is_fraud', seed: 5, steps: [
      { step: 'dedup' }, { step: 'features', count: 4 }, { step: 'sample', rows: 300 },
    ] }, 'test plan');
    const r = await runMinimise({ input: file, outDir: join(dir, 'out'), plan, evaluate: true, qualityBudget: 0.001 });
    const e = r.evaluate!;
    assert.ok(e.testRows > 700 && e.testRows < 900, `test rows ${e.testRows} (a fifth of 4000)`);
    assert.equal(r.source.rows, 4000);
    assert.equal(r.steps[0]!.rows.before + e.testRows, 4000, 'test rows are held out before the first step');
    assert.equal(e.original.trainRows, r.steps[0]!.rows.before);
    assert.equal(e.minimised.trainRows, 300);
    assert.equal(e.minimised.features, 4);
    for (const q of [e.original, e.minimised]) {
      for (const m of [q.accuracy, q.rocAuc!, q.prAuc!]) assert.ok(m >= 0 && m <= 1);
      assert.ok(q.trainEnergyJ > 0);
      assert.match(q.energyMethod, /^(measured|modelled):/);
    }
    assert.equal(e.metric, 'rocAuc');
    assert.ok(e.original.rocAuc! > 0.8, `the GBDT learns the generated fraud (ROC-AUC ${e.original.rocAuc})`);
    // Each step's drop is the previous model's ROC-AUC minus this one's, flagged above the budget.
    let prev = e.original.rocAuc!;
    for (const s of r.steps) {
      assert.ok(Math.abs(s.qualityDrop! - (prev - s.quality!.rocAuc!)) < 1e-12);
      assert.equal(s.overBudget, s.qualityDrop! > 0.001);
      prev = s.quality!.rocAuc!;
    }
    assert.deepEqual(e.flagged, r.steps.filter((s) => s.overBudget).map((s) => `step ${s.index} (${s.step})`));
    assert.deepEqual(e.minimised, r.steps.at(-1)!.quality);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('text dedup step: near-duplicate rows of a JSONL text file removed, their sample kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-textdedup-test-'));
  try {
    const base = Array.from({ length: 30 }, (_, i) => Array.from({ length: 30 }, (_, j) => `word${(i * 31 + j * 7) % 97}x${i}`).join(' '));
    const texts = [...base, ...base.slice(0, 10).map((t) => t.toUpperCase() + '!'), ...base.slice(10, 15).map((t) => t.replace(/^\S+/, 'changed'))];
    const file = join(dir, 'texts.jsonl');
    await writeFile(file, texts.map((t, i) => JSON.stringify({ text: t, label: i % 2 ? 'spam' : 'ham' })).join('\n') + '\n');
    const r = await runMinimise({ input: file, outDir: join(dir, 'out'), plan: checkPlan({ steps: [{ step: 'textDedup', column: 'text' }] }, 'test plan') });
    assert.equal(r.steps[0]!.rows.after, 30);
    assert.ok(r.steps[0]!.removedSample);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
