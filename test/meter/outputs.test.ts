import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CODECARBON_COLUMNS, CODECARBON_UNITS, codeCarbonRow, codeCarbonHeaderLine, appendEmissionsCsv, checkEmissionsCsv,
  prometheusText, jsonSummary, writeRunOutputs, type EnergyReport,
} from '../../src/meter/index.js';
import { splitCsvLine } from '../../src/meter/outputs/codecarbon-csv.js';
import { UserError } from '../../src/util/errors.js';

/** CodeCarbon v3's emissions.csv columns, in order, as listed in shared/design/energy-measurement.md. */
const CODECARBON_V3 =
  'timestamp, project_name, run_id, experiment_id, duration, emissions, emissions_rate, cpu_power, gpu_power, ' +
  'ram_power, cpu_energy, gpu_energy, ram_energy, energy_consumed, water_consumed, country_name, ' +
  'country_iso_code, region, cloud_provider, cloud_region, os, python_version, codecarbon_version, cpu_count, ' +
  'cpu_model, gpu_count, gpu_model, longitude, latitude, ram_total_size, tracking_mode, ' +
  'cpu_utilization_percent, gpu_utilization_percent, ram_utilization_percent, ram_used_gb, on_cloud, pue, wue';

/** A finished run with round numbers: 1.8 MJ CPU + 1.8 MJ RAM before PUE 1.5 = 5.4 MJ = 1.5 kWh. */
function report(over: Partial<EnergyReport> = {}): EnergyReport {
  return {
    runId: 'run-1', projectName: 'proj, "quoted"', startedAt: '2026-01-01T00:00:00.000Z', durationS: 3600,
    energyJ: 5.4e6,
    components: [
      { component: 'cpu', energyJ: 1.8e6, meanPowerW: 500, method: 'modelled:tdp', detail: 'x' },
      { component: 'ram', energyJ: 1.8e6, meanPowerW: 500, method: 'modelled:ram' },
      { component: 'gpu', energyJ: 0, meanPowerW: 0, method: 'none', detail: 'no GPU' },
    ],
    method: 'modelled:tdp+modelled:ram', scope: 'process', pue: 1.5, countryIsoCode: 'ESP', countryName: 'Spain',
    carbonIntensityGPerKWh: 200, carbonIntensitySource: 'table:owid-2023', co2eGrams: 300, spans: [],
    ...over,
  };
}

test('emissions.csv header equals CodeCarbon\'s column list, names and order', () => {
  assert.deepEqual([...CODECARBON_COLUMNS], CODECARBON_V3.split(', '));
  assert.equal(codeCarbonHeaderLine(), CODECARBON_V3.split(', ').join(',') + '\n');
});

test('emissions.csv units: energy kWh (PUE applied, components sum to the total), emissions kg, rate kg/s, power W', () => {
  const row = codeCarbonRow(report(), new Date('2026-01-01T01:00:00Z'));
  assert.equal(CODECARBON_UNITS.energy_consumed, 'kWh');
  assert.equal(CODECARBON_UNITS.emissions, 'kg CO2e');
  assert.equal(row.energy_consumed, 1.5);
  assert.equal(row.cpu_energy, 0.75);
  assert.equal(row.ram_energy, 0.75);
  assert.equal(row.gpu_energy, 0);
  assert.equal(row.emissions, 0.3);
  assert.equal(row.emissions_rate, 0.3 / 3600);
  assert.equal(row.cpu_power, 500);
  assert.equal(row.duration, 3600);
  assert.equal(row.timestamp, '2026-01-01T01:00:00');
  assert.equal(row.tracking_mode, 'process');
  assert.equal(row.water_consumed, ''); // no WUE given: no water figure invented
  assert.equal(row.wue, '');
  const wet = codeCarbonRow(report({ wue: 1.8, waterLitres: 2.7 }));
  assert.equal(wet.water_consumed, 2.7);
  assert.equal(wet.wue, 1.8);
});

test('appending: header once, one row per run, quoting round-trips; malformed files are refused untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verde-csv-'));
  try {
    const path = join(dir, 'emissions.csv');
    await appendEmissionsCsv(path, report());
    await appendEmissionsCsv(path, report({ runId: 'run-2' }));
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[0] + '\n', codeCarbonHeaderLine());
    const fields = splitCsvLine(lines[2]);
    assert.equal(fields.length, CODECARBON_COLUMNS.length);
    assert.equal(fields[CODECARBON_COLUMNS.indexOf('project_name')], 'proj, "quoted"');
    assert.equal(fields[CODECARBON_COLUMNS.indexOf('run_id')], 'run-2');
    await checkEmissionsCsv(path); // our own output passes the check

    const bad = join(dir, 'bad.csv');
    const text = 'timestamp,project_name,duration\n1,2,3\n';
    writeFileSync(bad, text);
    await assert.rejects(appendEmissionsCsv(bad, report()), (e: unknown) =>
      e instanceof UserError && /bad\.csv: malformed emissions\.csv: header column 3 is "duration", expected "run_id"/.test(e.message) && !e.message.includes('\n'));
    assert.equal(readFileSync(bad, 'utf8'), text);
    const torn = join(dir, 'torn.csv');
    writeFileSync(torn, codeCarbonHeaderLine() + 'a,b,c\n');
    await assert.rejects(checkEmissionsCsv(torn), /line 2 has 3 fields, expected 38/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Prometheus exposition: HELP/TYPE per family, component+method labels, escaped values, CodeCarbon gauges', () => {
  const r = report({
    spans: [
      { name: 'batch', startedAt: '', durationS: 1, energyJ: 2, components: [], co2eGrams: 0.1, method: 'modelled:tdp' },
      { name: 'batch', startedAt: '', durationS: 1, energyJ: 3, components: [], co2eGrams: 0.1, method: 'modelled:tdp' },
    ],
  });
  const text = prometheusText(r);
  const lines = text.trimEnd().split('\n');
  const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN)$/;
  for (const l of lines) assert.ok(l.startsWith('# HELP ') || l.startsWith('# TYPE ') || sample.test(l), `bad line: ${l}`);
  assert.ok(lines.includes('# TYPE verde_energy_joules_total counter'));
  assert.ok(lines.includes('verde_energy_joules_total{project="proj, \\"quoted\\"",component="cpu",method="modelled:tdp"} 2700000'));
  assert.ok(lines.includes('verde_span_energy_joules_total{project="proj, \\"quoted\\"",span="batch",method="modelled:tdp+modelled:ram"} 5'));
  assert.ok(lines.includes('verde_span_count_total{project="proj, \\"quoted\\"",span="batch"} 2'));
  assert.ok(lines.some((l) => l.startsWith('codecarbon_energy_consumed{') && l.endsWith(' 1.5')));
  assert.ok(lines.some((l) => l.startsWith('codecarbon_emissions{') && l.endsWith(' 0.3')));
  assert.ok(!text.includes('verde_water_litres_total')); // no WUE, no water series
});

test('JSON summary and the run directory: per-component energy, methods, kWh', async () => {
  const j = jsonSummary(report());
  assert.equal(j.energyKWh, 1.5);
  assert.equal(j.co2eKg, 0.3);
  assert.equal(j.components[0].method, 'modelled:tdp');
  const dir = mkdtempSync(join(tmpdir(), 'verde-run-'));
  try {
    const files = await writeRunOutputs(dir, report());
    assert.equal(JSON.parse(readFileSync(files.json, 'utf8')).format, 'verde-energy-report/1');
    assert.match(readFileSync(files.prometheus, 'utf8'), /^# HELP verde_energy_joules_total/);
    assert.equal(readFileSync(files.emissionsCsv, 'utf8').split('\n')[0], CODECARBON_COLUMNS.join(','));
    assert.equal(files.json, join(dir, 'run-1.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
