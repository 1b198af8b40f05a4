/**
 * §2.1 on tabular data: `verde fraud`'s gbdt-vs-mlp comparison carries a logistic-regression
 * baseline beside the GBDT and the deep MLP, scored on the same test rows, with its own model
 * directory (loadable like the others) and figures carrying the meter's method label.
 * Small: 10,000 generated rows, every other technique skipped.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerde } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'verde-fraud-logistic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Model { name: string; kind: string; prAuc: number; rocAuc: number; inferenceEnergyJPerRow: number; trainEnergyJ: number; energyMethod: string; modelDir: string }

test('gbdt-vs-mlp reports logistic regression beside the GBDT and the deep MLP', async () => {
  const out = join(dir, 'out');
  const r = await runVerde(['fraud', '--rows', '10000', '--skip', 'minimisation', 'hpo', 'active-learning', 'pruning', 'quantisation', 'distillation', 'transfer', 'federated', 'batching', '--out', out, '--store', join(dir, 'runs.db')]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { models: Model[]; techniques: { name: string; others?: { name: string; prAuc: number; inferenceEnergyJPerRow: number }[] }[] };
  assert.deepEqual(res.models.map((m) => m.name).sort(), ['gbdt', 'logistic', 'mlp-deep']);
  const lr = res.models.find((m) => m.name === 'logistic')!;
  assert.ok(lr.rocAuc > 0.6, `logistic ROC-AUC ${lr.rocAuc} is better than chance on the generated fraud`);
  assert.ok(lr.inferenceEnergyJPerRow > 0 && lr.trainEnergyJ > 0);
  assert.match(lr.energyMethod, /modelled|measured/);
  assert.ok(existsSync(join(out, lr.modelDir, 'verde.json')), 'its model directory is written');
  const t = res.techniques.find((x) => x.name === 'gbdt-vs-deep-mlp')!;
  assert.equal(t.others?.length, 1);
  assert.equal(t.others![0]!.prAuc, lr.prAuc, 'the technique lists the same logistic figures');
  assert.match(r.stdout, /\| logistic /, 'the models table on screen has a logistic row');
});
