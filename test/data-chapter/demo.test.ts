import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDataDemo } from '../../src/data/minimise/demo.js';

test('verde demo --only data: the embedded mail corpus minimised (exact + MinHash near dedup) and evaluated with the linear text model; results.json has both runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-data-demo-'));
  try {
    const d = await runDataDemo(dir, { rows: 10_000 });
    const mail = d.mail;
    const e = mail.evaluate!;
    assert.equal(e.metric, 'accuracy');
    assert.match(e.model, /linear text model/);
    const near = mail.steps.find((s) => s.step === 'textDedup')!;
    assert.ok(near.rows.after < near.rows.before, 'SpamAssassin has near-duplicate mails');
    assert.ok(e.minimised.trainRows < e.original.trainRows);
    assert.ok(e.original.accuracy > 0.9, `the text model learns spam vs ham (accuracy ${e.original.accuracy})`);
    for (const q of [e.original, e.minimised]) {
      assert.ok(q.trainEnergyJ > 0);
      assert.match(q.energyMethod, /^(measured|modelled):/);
      assert.ok(q.macroF1! > 0 && q.macroF1! <= 1);
    }
    assert.equal(e.flagged.length, mail.steps.filter((s) => s.overBudget).length);
    assert.match(d.text, /SpamAssassin mails[\s\S]*evaluate \(verde linear text model[\s\S]*accuracy \d\.\d+ -> \d\.\d+, training [\d.]+ J -> [\d.]+ J/);
    assert.ok(d.transactions.evaluate, 'the transactions part is evaluated too');
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    for (const part of ['mail', 'transactions']) {
      const r = results[part];
      assert.ok(r.evaluate.original.trainEnergyJ > 0 && r.evaluate.minimised.trainEnergyJ > 0, part);
      assert.ok(r.rows.after <= r.rows.before, part);
      assert.equal(r.steps.length, d[part as 'mail' | 'transactions'].steps.length);
    }
    assert.equal(results.mail.evaluate.minimised.accuracy, e.minimised.accuracy);
    const json = JSON.parse(await readFile(join(dir, 'mail-minimised', 'minimise.json'), 'utf8'));
    assert.equal(json.evaluate.metric, 'accuracy');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
