/** The energy label's fixed bands, the Pareto front, and the SCI terms, on chosen figures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { energyLabel, labelSvg, BAND_EDGES_J_PER_1000, LETTERS } from '../../src/registry/energy-label.js';
import { paretoFront, buildReport } from '../../src/report/data.js';
import { sciScore, embodiedFigure, embodiedGrams, CPU_NODE } from '../../src/report/sci.js';
import { sampleRun } from '../store/helpers.js';

test('label letters follow the documented edges, the same figure gives the same letter', () => {
  const edges = BAND_EDGES_J_PER_1000['text-classification']!;
  assert.deepEqual([...edges], [1, 10, 100, 1000, 10000, 100000]);
  // Just below and at each edge (J per inference = J per 1,000 / 1000).
  edges.forEach((e, i) => {
    assert.equal(energyLabel((e * 0.999) / 1000, 'text-classification')!.letter, LETTERS[i]);
    assert.equal(energyLabel(e / 1000, 'text-classification')!.letter, LETTERS[i + 1]);
  });
  assert.equal(energyLabel(0.05e-3, 'tabular-classification')!.letter, 'B');
  assert.equal(energyLabel(0.05e-3, 'text-classification')!.letter, 'A');
  assert.equal(energyLabel(null, 'text-classification'), null);
  assert.equal(energyLabel(0.002, 'text-classification')!.colour, '#50b848');
  const svg = labelSvg(energyLabel(0.002, 'text-classification')!, 'my <model>', 'modelled:tdp');
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /aria-label="energy label B"/);
  assert.match(svg, /my &lt;model&gt;/);
  assert.match(svg, /2\.00 J \/ 1,000 inferences \(modelled:tdp\)/);
});

test('Pareto front: only variants no other beats on both quality and energy', () => {
  const pts = [
    { id: 'a', quality: 0.9, energyJPerInference: 1 },
    { id: 'b', quality: 0.95, energyJPerInference: 2 },
    { id: 'c', quality: 0.85, energyJPerInference: 3 }, // dominated by a
    { id: 'd', quality: 0.95, energyJPerInference: 2.5 }, // dominated by b
    { id: 'e', quality: null, energyJPerInference: 0.1 },
  ];
  assert.deepEqual([...paretoFront(pts)].map((p) => p.id).sort(), ['a', 'b']);
});

test('SCI = (E x I + M) per R with M = TE x TiR/EL x RR/ToR, modelled terms flagged', () => {
  const f = embodiedFigure();
  assert.equal(f.totalKgCO2e, CPU_NODE.totalKgCO2e);
  const year = 365.25 * 24 * 3600;
  // A whole node for a whole lifetime carries all its embodied carbon.
  assert.ok(Math.abs(embodiedGrams(f, f.lifetimeYears * year, f.nodeThreads) - 1_100_000) < 1e-6);
  const s = sciScore({ functionalUnit: 'one inference', energyJ: 3.6e6, units: 1000, intensity: 200, seconds: 3600, threads: 2, energyMethod: 'modelled:tdp', intensitySource: 'table:owid-2023', embodied: f });
  assert.ok(Math.abs(s.operationalG - 0.2) < 1e-12, 'E = 1 kWh / 1000 units x 200 g/kWh');
  const m = (1_100_000 * (3600 / (6 * year)) * (2 / 256)) / 1000;
  assert.ok(Math.abs(s.embodiedG! - m) < 1e-15);
  assert.ok(Math.abs(s.sci - (0.2 + m)) < 1e-12);
  assert.deepEqual(s.modelledTerms, ['E (modelled:tdp)', 'M (cpu-node (2-socket server) default)']);
  const given = sciScore({ functionalUnit: 'x', energyJ: 1, units: 1, intensity: 1, seconds: 1, threads: 1, energyMethod: 'measured:rapl', intensitySource: 'flag', embodied: embodiedFigure({ embodiedKgCO2e: 500 }) });
  assert.deepEqual(given.modelledTerms, []);
});

test('report data: winners, recommendation, phases and grids from stored runs', () => {
  const d = buildReport([sampleRun('r1', '2026-01-01T00:00:00.000Z', [0.002, 0.004]), sampleRun('r2', '2026-01-02T00:00:00.000Z', [0.0015, 0.0035])]);
  assert.equal(d.variants.length, 4);
  const least = d.winners.find((w) => w.criterion === 'least energy per inference')!;
  assert.deepEqual([least.variant, least.runId, least.value], ['base', 'r2', 0.0015]);
  // int8 is 0.01 more accurate; base within 0.01 of it and cheaper -> recommended.
  assert.equal(d.recommended[0]!.variant, 'base');
  assert.deepEqual(d.phases[0]!.byPhase, { data: 5, training: 20, compression: 5, evaluation: 0, serving: 0, other: 0 });
  const grams = d.grids[0]!.grams;
  assert.deepEqual(grams.map((g) => g.grid), ['Spain', 'France', 'Poland', 'World']);
  assert.ok(Math.abs(grams[2]!.co2eGrams - (30 / 3.6e6) * 661.926) < 1e-12);
  assert.equal(d.trends.find((t) => t.modelName === 'text-distilbert-base')!.points.length, 2);
  assert.equal(d.variants.find((v) => v.runId === 'r2' && v.name === 'base')!.label!.letter, 'B');
});
