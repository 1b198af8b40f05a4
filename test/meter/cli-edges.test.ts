/**
 * Issue 12 item 10 (CLI): `verde measure -- FILE` that is not executable exits 126 saying so (like
 * a shell), absurd --pue/--wue/--carbon-intensity/--tdp are refused, `verde measure` without a
 * command is a usage error (exit 2), and no output writer ever writes a non-finite number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRunOutputs, summaryText, type EnergyReport } from '../../src/meter/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function verde(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

function oneLine(r: ReturnType<typeof verde>, re: RegExp, status: number): void {
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^verde: /);
  assert.match(lines[0]!, re);
}

test('verde measure: not executable is 126, no command is 2, out-of-range multipliers are refused, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verde-measure-edges-'));
  try {
    const out = join(dir, 'energy');
    oneLine(verde(['measure', '--out', out, '--', '/etc/passwd']), /measure: \/etc\/passwd: not executable/, 126);
    oneLine(verde(['measure', '--out', out, '--', dir]), /not executable/, 126);
    const script = join(dir, 'script.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    oneLine(verde(['measure', '--out', out, '--', script]), /script\.sh: not executable/, 126);
    oneLine(verde(['measure', '--out', out, '--', 'no-such-command-verde-test']), /command not found/, 127);
    oneLine(verde(['measure', '--out', out]), /measure: no command given \(usage: verde measure \[options\] -- <command \.\.\.>\)/, 2);
    const child = ['--', process.execPath, '-e', '0'];
    oneLine(verde(['measure', '--out', out, '--pue', '1e308', ...child]), /--pue: expected a number <= 3 \(got "1e308"\); PUE is 1\.0/, 2);
    oneLine(verde(['measure', '--out', out, '--pue', '3.5', ...child]), /--pue: expected a number <= 3/, 2);
    oneLine(verde(['measure', '--out', out, '--wue', '1e308', ...child]), /--wue: expected a number <= 10/, 2);
    oneLine(verde(['measure', '--out', out, '--carbon-intensity', '1e300', ...child]), /--carbon-intensity: expected a number <= 2000/, 2);
    oneLine(verde(['measure', '--out', out, '--tdp', '1e308', ...child]), /--tdp: expected a number <= 100000/, 2);
    assert.equal(existsSync(out), false, 'no output directory for a refused run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writers: a report holding Infinity or NaN never puts a non-finite number in emissions.csv, the JSON or metrics.prom', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verde-nonfinite-'));
  try {
    const r: EnergyReport = {
      runId: 'run-x', projectName: 'p', startedAt: '2026-01-01T00:00:00.000Z', durationS: 1, energyJ: Infinity,
      components: [{ component: 'cpu', energyJ: 1e308, meanPowerW: NaN, method: 'modelled:tdp' }, { component: 'ram', energyJ: 0.25, meanPowerW: 1, method: 'modelled:ram' }],
      method: 'modelled:tdp', scope: 'process', pue: 4, countryIsoCode: 'ESP', countryName: 'Spain',
      carbonIntensityGPerKWh: 200, carbonIntensitySource: 'table:owid-2023', co2eGrams: Infinity, spans: [], wue: 1, waterLitres: -Infinity,
    };
    const files = await writeRunOutputs(dir, r);
    for (const f of [files.emissionsCsv, files.json, files.prometheus]) {
      const text = readFileSync(f, 'utf8');
      assert.doesNotMatch(text, /Infinity|\bNaN\b|\bInf\b/i, `${f}:\n${text}`);
    }
    const prom = readFileSync(files.prometheus, 'utf8');
    assert.match(prom, /^verde_energy_joules_total\{project="p",component="ram",method="modelled:ram"\} 1$/m, 'finite samples are still written');
    assert.doesNotMatch(summaryText(r), /Infinity/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
