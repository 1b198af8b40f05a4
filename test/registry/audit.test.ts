/**
 * `verde registry audit` on planted models in a real registry: a superseded version (same data,
 * better metric, less energy per inference), an inefficient one, a drifted one (a usage file in the
 * serve contract's format with shifted inputs), unused ones (never served / served long ago) and a
 * duplicate (identical predictions through real ONNX Runtime sessions on the reference sample).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditRegistry } from '../../src/govern/audit/index.js';
import { psi, ks } from '../../src/govern/audit/drift.js';
import { openRegistry, registerModelDir } from '../../src/registry/db/index.js';
import { runVerde } from '../fixtures/cli.js';
import { tempDir, tinyFingerprint, tinyModel, tinyRows } from './helpers.js';

const energy = (j: number) => ({ trainJ: 1, trainCo2eG: 1e-4, jPerInference: j, method: 'modelled:tdp' });

/** What the tiny model's training rule (amount > 200 is fraud) says of the rows: a model answering like its training data. */
function predictedLabels(sample: number[][]): Record<string, number> {
  const fraud = sample.filter((r) => r[0]! > 200).length;
  return { legit: sample.length - fraud, fraud };
}

async function usageFile(dir: string, name: string, version: number, to: string, requests: number, sample: number[][]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}-v${version}-4242.json`), JSON.stringify({
    format: 'verde-usage/1', name, version, modelDir: '/x', task: 'tabular-classification', from: '2026-01-01T00:00:00.000Z', to,
    requests, rows: sample.length, predictedLabels: predictedLabels(sample), features: { names: ['amount', 'hour', 'channel'], sample },
  }));
}

test('PSI and KS: near 0 for the same distribution, large for a shifted one', () => {
  const a = tinyRows(1000, 1).map((r) => r[0]!);
  const same = tinyRows(1000, 2).map((r) => r[0]!);
  const shifted = tinyRows(1000, 2, 200).map((r) => r[0]!);
  assert.ok(psi(a, same) < 0.1, `psi same ${psi(a, same)}`);
  assert.ok(ks(a, same) < 0.1, `ks same ${ks(a, same)}`);
  assert.ok(psi(a, shifted) > 0.2, `psi shifted ${psi(a, shifted)}`);
  assert.ok(ks(a, shifted) > 0.2, `ks shifted ${ks(a, shifted)}`);
});

test('audit finds planted superseded, inefficient, drifted, unused and duplicate models', { timeout: 90_000 }, async () => {
  const t = await tempDir('verde-reg-audit-');
  const root = join(t.dir, 'reg');
  const reg = openRegistry({ registry: root });
  try {
    const d1 = tinyFingerprint('d1');
    await registerModelDir(reg, await tinyModel(join(t.dir, 'old'), { name: 'old' }), { metrics: { prAuc: 0.8 }, energy: energy(2e-6), data: d1 });
    await registerModelDir(reg, await tinyModel(join(t.dir, 'new'), { name: 'new' }), { metrics: { prAuc: 0.85 }, energy: energy(1e-6), data: d1 });
    await registerModelDir(reg, await tinyModel(join(t.dir, 'other'), { name: 'other', amountOnly: true, scale: 3 }), { metrics: { prAuc: 0.7 }, energy: energy(1.5e-6), data: tinyFingerprint('d2') });
    await registerModelDir(reg, await tinyModel(join(t.dir, 'heavy'), { name: 'heavy', scale: 5 }), { metrics: { prAuc: 0.5 }, energy: energy(1e-4), data: tinyFingerprint('d3') });
    const now = Date.now();
    const recent = new Date(now - 3600_000).toISOString();
    await usageFile(reg.layout.usage, 'new', 1, recent, 500, tinyRows(300, 7));
    await usageFile(reg.layout.usage, 'other', 1, recent, 500, tinyRows(300, 8, 400));
    await usageFile(reg.layout.usage, 'heavy', 1, recent, 10, tinyRows(50, 9));
    await usageFile(reg.layout.usage, 'old', 1, new Date(now - 60 * 86_400_000).toISOString(), 20, tinyRows(20, 10));
    await writeFile(join(reg.layout.usage, 'junk.json'), '{not json');

    const rep = await auditRegistry(reg, { usageDays: 30, now });
    const kinds = (model: string) => rep.findings.filter((f) => f.model === model).map((f) => f.kind).sort();
    assert.deepEqual(kinds('old@1'), ['duplicate', 'superseded', 'unused'], JSON.stringify(rep.findings, null, 1));
    assert.deepEqual(kinds('new@1'), []);
    assert.deepEqual(kinds('other@1'), ['drifted']);
    // heavy scales the same logits: the same ranking and classes, so it duplicates new and old and is the one to drop
    assert.deepEqual(kinds('heavy@1'), ['duplicate', 'duplicate', 'inefficient']);

    const sup = rep.findings.find((f) => f.kind === 'superseded')!;
    assert.equal(sup.evidence.by, 'new@1');
    assert.match(sup.action, /archive old@1/);
    const drift = rep.findings.find((f) => f.kind === 'drifted')!;
    const worst = (drift.evidence.features as { feature: string; psi: number }[])[0]!;
    assert.equal(worst.feature, 'amount');
    assert.ok(worst.psi > 0.2);
    assert.ok(!(drift.evidence.features as { feature: string }[]).some((f) => f.feature === 'hour'), 'unshifted features are not flagged');
    const unused = rep.findings.find((f) => f.kind === 'unused')!;
    assert.ok(unused.evidence.lastServed, 'served once, 60 days ago');
    const dup = rep.findings.find((f) => f.kind === 'duplicate' && f.model === 'old@1')!;
    assert.equal(dup.evidence.with, 'new@1', 'keep the cheaper one');
    assert.equal(dup.evidence.agreement, 1);
    assert.equal(dup.evidence.probeRows, 400);
    const ineff = rep.findings.find((f) => f.kind === 'inefficient')!;
    assert.ok((ineff.evidence.ratio as number) > 10);
  } finally {
    reg.close();
  }
  try {
    const cli = await runVerde(['registry', 'audit', '--json', '--registry', root, '--usage-days', '30']);
    assert.equal(cli.code, 0, cli.stderr);
    const rep = JSON.parse(cli.stdout);
    assert.equal(rep.models, 4);
    assert.deepEqual([...new Set(rep.findings.map((f: { kind: string }) => f.kind))].sort(), ['drifted', 'duplicate', 'inefficient', 'superseded', 'unused']);
    assert.deepEqual(JSON.parse(await readFile(join(root, 'audit.json'), 'utf8')).findings.length, rep.findings.length);
  } finally {
    await t.done();
  }
});

test('drift from the answers alone: inputs like the training rows, predicted labels all one class; old usage files do not count', { timeout: 60_000 }, async () => {
  const t = await tempDir('verde-reg-audit-labels-');
  const reg = openRegistry({ registry: join(t.dir, 'reg') });
  try {
    await registerModelDir(reg, await tinyModel(join(t.dir, 'm'), { name: 'm' }), { metrics: { prAuc: 0.8 }, energy: energy(1e-6), data: tinyFingerprint('d1') });
    await registerModelDir(reg, await tinyModel(join(t.dir, 'n'), { name: 'n' }), { metrics: { prAuc: 0.8 }, energy: energy(1e-6), data: tinyFingerprint('d2') });
    const now = Date.now();
    const rows = tinyRows(300, 7);
    await mkdir(reg.layout.usage, { recursive: true });
    const file = (name: string, to: string, sample: number[][]) => writeFile(join(reg.layout.usage, `${name}-v1-4243.json`), JSON.stringify({
      format: 'verde-usage/1', name, version: 1, modelDir: '/x', task: 'tabular-classification', from: '2026-01-01T00:00:00.000Z', to,
      requests: 30, rows: sample.length, predictedLabels: { legit: 0, fraud: sample.length }, features: { names: ['amount', 'hour', 'channel'], sample },
    }));
    await file('m', new Date(now - 3600_000).toISOString(), rows);
    // n's shifted inputs and one-sided answers were flushed 60 days ago: outside the 30-day window.
    await file('n', new Date(now - 60 * 86_400_000).toISOString(), tinyRows(300, 8, 400));
    const rep = await auditRegistry(reg, { usageDays: 30, now });
    const drift = rep.findings.filter((f) => f.kind === 'drifted');
    assert.deepEqual(drift.map((f) => f.model), ['m@1'], JSON.stringify(rep.findings, null, 1));
    const e = drift[0]!.evidence as { features?: unknown; labels: { psi: number; served: Record<string, number>; training: Record<string, number> } };
    assert.equal(e.features, undefined, 'the inputs look like the training rows');
    assert.ok(e.labels.psi > 0.2, JSON.stringify(e.labels));
    assert.equal(e.labels.served.fraud, 1);
    assert.ok(e.labels.training.fraud! > 0 && e.labels.training.fraud! < 0.5, JSON.stringify(e.labels));
    assert.match(drift[0]!.summary, /^predicted label shares drifted: PSI/);
  } finally {
    reg.close();
    await t.done();
  }
});
