/**
 * `verde text --classes` (§2.1): the linear class alone (small, fast) writes a loadable
 * models/linear/ with its featuriser and the run store records it as text-linear; both classes
 * side by side (a tiny transformer) name the winner on energy per correct prediction in
 * results.json, on screen and in the report's variants; a bad --classes is one line, exit 2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerde } from '../fixtures/cli.js';
import { reviewsCsv } from '../fixtures/reviews.js';

let dir: string;
const data = () => join(dir, 'reviews.csv');
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'verde-text-classes-'));
  writeFileSync(data(), reviewsCsv(80));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Variant { name: string; modelClass?: string; accuracy: number; energyJPerCorrect: number | null; energyMethod: string }

test('--classes linear trains only the linear model and writes a directory verde predict loads', async () => {
  const out = join(dir, 'linear');
  const r = await runVerde(['text', '--classes', 'linear', '--data', data(), '--train-size', '60', '--test-size', '20', '--linear-epochs', '2', '--out', out, '--store', join(dir, 'runs.db')]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { variants: Variant[]; stages: { name: string }[]; linearModel: { hashDim: number }; modelClassChoice?: unknown };
  assert.deepEqual(res.variants.map((v) => [v.name, v.modelClass]), [['linear', 'linear']]);
  assert.ok(res.variants[0]!.accuracy >= 0.9, `accuracy ${res.variants[0]!.accuracy} on separable reviews`);
  assert.ok(res.stages.some((s) => s.name === 'train-linear') && !res.stages.some((s) => s.name === 'train'));
  assert.equal(res.modelClassChoice, undefined, 'one class: nothing to choose between');
  const manifest = JSON.parse(readFileSync(join(out, 'models', 'linear', 'verde.json'), 'utf8')) as { featuriser: { kind: string; hashDim: number } };
  assert.equal(manifest.featuriser.kind, 'hashed-ngrams');
  assert.equal(manifest.featuriser.hashDim, res.linearModel.hashDim);
  const p = await runVerde(['predict', '--model', join(out, 'models', 'linear'), '--text', 'the movie was great good love', '--text', 'the movie was awful boring hate', '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual((JSON.parse(p.stdout) as { label: string }[]).map((x) => x.label), ['pos', 'neg']);
});

test('both classes side by side: results, the printed line and the report name the winner on J per correct prediction', async () => {
  const out = join(dir, 'both');
  const store = join(dir, 'both.db');
  const r = await runVerde(['text', '--data', data(), '--layers', '1', '--dim', '16', '--heads', '2', '--hidden-dim', '32', '--max-length', '16', '--train-size', '60', '--test-size', '20', '--epochs', '1', '--recovery-epochs', '0', '--threads', '1', '--linear-epochs', '2', '--out', out, '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { variants: Variant[]; modelClassChoice: { winner: string; line: string; perClass: { modelClass: string; energyJPerCorrect: number }[] } };
  assert.deepEqual(new Set(res.variants.map((v) => v.modelClass)), new Set(['transformer', 'linear']));
  const c = res.modelClassChoice;
  assert.ok(c, 'modelClassChoice in results.json');
  const best = (cls: string) => Math.min(...res.variants.filter((v) => v.modelClass === cls && v.energyJPerCorrect !== null).map((v) => v.energyJPerCorrect!));
  const expected = best('linear') <= best('transformer') ? 'linear' : 'transformer';
  assert.equal(c.winner, expected);
  assert.ok(r.stdout.includes(c.line), 'the class line is printed');
  const report = join(dir, 'report.json');
  const rep = await runVerde(['report', '--store', store, '--format', 'json', '--out', report]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.ok(readFileSync(report, 'utf8').includes('text-linear'), 'the report lists the linear model among the variants');
});

test('a bad --classes is one line, exit 2', async () => {
  const r = await runVerde(['text', '--classes', 'linear,forest', '--data', data(), '--out', join(dir, 'bad')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr.trim(), /^verde: --classes: .*forest/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
