/**
 * Registering a run's model directories (what `verde text --register` and `verde fraud --register`
 * do after the run): named <prefix><variant>, parents registered first and linked whether the
 * lineage names a variant (text) or a manifest name (fraud), figures read from the run's results.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registerRunModels } from '../../src/govern/case-registry.js';
import { tempDir, tinyFingerprint, tinyModel } from './helpers.js';

test('a run\'s variants are registered parents first, linked, with their figures', { timeout: 60_000 }, async () => {
  const t = await tempDir('verde-reg-run-');
  try {
    const out = join(t.dir, 'run');
    for (const [variant, parent] of [['int8', 'base'], ['base', undefined], ['pruned-int8', 'pruned'], ['pruned', 'base']] as const) {
      const dir = await tinyModel(join(out, 'models', variant), { name: `tiny-${variant}` });
      const manifest = JSON.parse(await readFile(join(dir, 'verde.json'), 'utf8'));
      manifest.lineage = { technique: variant, ...(parent ? { parent } : {}) };
      await writeFile(join(dir, 'verde.json'), JSON.stringify(manifest));
    }
    await writeFile(join(out, 'results.json'), JSON.stringify({
      energyMethod: 'modelled:tdp',
      variants: ['base', 'pruned', 'int8', 'pruned-int8'].map((name, i) => ({ name, accuracy: 0.9 - i / 100, macroF1: 0.8, energyJPerInference: 1e-3 / (i + 1), energyMethod: 'modelled:tdp' })),
    }));
    const got = await registerRunModels({ registry: join(t.dir, 'reg'), outDir: out, modelDirs: ['models/int8', 'models/base', 'models/pruned-int8', 'models/pruned'], prefix: 'text-', data: tinyFingerprint() });
    const order = got.map((m) => m.name);
    assert.ok(order.indexOf('text-base') < order.indexOf('text-pruned') && order.indexOf('text-pruned') < order.indexOf('text-pruned-int8'), order.join(','));
    const by = new Map(got.map((m) => [m.name, m]));
    assert.equal(by.get('text-int8')!.lineage.parent, 'text-base@1');
    assert.equal(by.get('text-pruned-int8')!.lineage.parent, 'text-pruned@1');
    assert.equal(by.get('text-pruned-int8')!.parentId, by.get('text-pruned')!.id);
    assert.equal(by.get('text-base')!.lineage.parent, undefined);
    assert.deepEqual(by.get('text-pruned')!.metrics, { accuracy: 0.89, macroF1: 0.8 });
    assert.equal(by.get('text-int8')!.energy.jPerInference, 1e-3 / 3);
    assert.equal(by.get('text-int8')!.energy.method, 'modelled:tdp');
  } finally {
    await t.done();
  }
});
