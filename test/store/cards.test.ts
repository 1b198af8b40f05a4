/**
 * Model cards: written with every manifest (not evaluated yet), rewritten with a recorded run's
 * figures; in a run with a text and a tabular model (the demo) each card names its own test data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyTabularModel, writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { updateModelCards, blankVariant } from '../../src/store/index.js';
import { sampleRun } from './helpers.js';

test('a card at write time, then the run\'s figures, label and each task\'s own dataset', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-cards-'));
  try {
    const text = join(dir, 'text');
    const tab = join(dir, 'tab');
    await writeTinyTextModel(text, { name: 'tiny-text' });
    await writeTinyTabularModel(tab, { name: 'tiny-tab' });
    const fresh = await readFile(join(text, 'README.md'), 'utf8');
    assert.match(fresh, /^---\npipeline_tag: text-classification\n/);
    assert.match(fresh, /Not evaluated yet/);
    assert.doesNotMatch(fresh, /co2_eq_emissions/);
    assert.ok(!existsSync(join(text, 'label.svg')));

    const run = sampleRun('mixed', '2026-01-01T00:00:00.000Z', [0.02]);
    run.variants[0] = { ...run.variants[0]!, modelDir: text, trainEnergyJ: 36 };
    run.variants.push({ ...blankVariant('tab', 'tiny-tab', 'tabular-classification', 'modelled:tdp'), prAuc: 0.8, rocAuc: 0.99, energyJPerInference: 2e-5, trainEnergyJ: 3.6, modelDir: tab });
    run.variants.push({ ...blankVariant('gone', 'gone', 'text-classification', 'modelled:tdp'), modelDir: join(dir, 'nowhere') });
    const n = await updateModelCards(run, { 'text-classification': 'reviews.csv test split', 'tabular-classification': 'transactions-home' });
    assert.equal(n, 2, 'the missing directory is skipped');
    const t = await readFile(join(text, 'README.md'), 'utf8');
    assert.match(t, /name: "reviews\.csv test split"/);
    assert.match(t, /- type: accuracy\n            value: 0\.9\n/);
    // 36 J at Spain's 174.05 g/kWh = 0.00174 g.
    assert.match(t, /co2_eq_emissions:\n  emissions: 0\.00174(05)?\n/);
    assert.match(t, /geographical_location: "Spain"/);
    assert.match(t, /!\[energy label C\]\(label\.svg\)/, '20 J per 1,000 inferences is C for text');
    const b = await readFile(join(tab, 'README.md'), 'utf8');
    assert.match(b, /name: "transactions-home"/);
    assert.match(b, /- type: pr_auc\n            value: 0\.8\n/);
    assert.match(b, /!\[energy label B\]\(label\.svg\)/, '0.02 J per 1,000 rows is B for tabular');
    assert.match(await readFile(join(tab, 'label.svg'), 'utf8'), /energy label B/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
