/**
 * `verde fraud --register` end to end with small flags: the run's model directories land in the
 * registry with lineage, figures from results.json and the training rows' fingerprint (the drift
 * reference); a second run on the same data warns before training that a registered model meets
 * --target-metric (reuse before building); the audit reads them back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runVerde } from '../fixtures/cli.js';
import { tempDir } from './helpers.js';

const SKIP = ['--skip', 'minimisation', 'gbdt-vs-mlp', 'hpo', 'active-learning', 'distillation', 'transfer', 'federated', 'batching'];

test('verde fraud --register, then reuse before building', { timeout: 120_000 }, async () => {
  const t = await tempDir('verde-reg-fraud-');
  try {
    const reg = join(t.dir, 'reg');
    const common = ['--rows', '10k', '--threads', '1', '--store', join(t.dir, 'runs.db'), '--registry', reg, ...SKIP];
    const first = await runVerde(['fraud', '--out', join(t.dir, 'a'), '--register', ...common]);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /reuse before building/);
    assert.match(first.stderr, /registered fraud-gbdt-pruned@1 \(from fraud-gbdt@1\)/);
    const list = JSON.parse((await runVerde(['registry', 'list', '--json', '--registry', reg])).stdout) as { name: string; data: { rows: number; reference: { featureRows: number } }; metrics: Record<string, number>; energy: { jPerInference: number; method: string } }[];
    assert.deepEqual(list.map((m) => m.name).sort(), ['fraud-gbdt', 'fraud-gbdt-int8', 'fraud-gbdt-pruned', 'fraud-gbdt-unpruned']);
    for (const m of list) {
      assert.ok(m.data.rows > 0 && m.data.reference.featureRows === Math.min(1000, m.data.rows));
      assert.ok(m.metrics.prAuc! >= 0 && m.energy.jPerInference > 0);
      assert.match(m.energy.method, /^(measured|modelled):/);
    }
    const shown = JSON.parse((await runVerde(['registry', 'show', 'fraud-gbdt', '--json', '--registry', reg])).stdout) as { lineage: { technique: string }; data: { schema: unknown[]; reference: { features: { names: string[]; sample: number[][] } } } };
    assert.equal(shown.lineage.technique, 'baseline');
    assert.equal(shown.data.reference.features.names.length, shown.data.schema.length);
    assert.equal(shown.data.reference.features.sample[0]!.length, shown.data.schema.length);
    const second = await runVerde(['fraud', '--out', join(t.dir, 'b'), '--target-metric', 'prAuc=0', ...common]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /verde: reuse before building: the registry already holds 4 model\(s\) for this task, labels and data meeting prAuc >= 0/);
    const other = await runVerde(['fraud', '--out', join(t.dir, 'c'), '--seed', '7', '--target-metric', 'prAuc=0', ...common]);
    assert.doesNotMatch(other.stderr, /reuse before building/, 'other data (another seed): no warning');
    const audit = await runVerde(['registry', 'audit', '--registry', reg]);
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stdout, /^audit of .*: 4 checked-out models, 0 usage files/);
    assert.match(audit.stdout, /\[unused\] fraud-gbdt@1: never served/);
  } finally {
    await t.done();
  }
});
