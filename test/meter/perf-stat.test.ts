/**
 * Parsing `perf stat -e power/energy-pkg/ -a` (scripts/device/rapl-meter.sh's independent reader).
 * Fixtures: perf-stat-no-pmu.txt is perf 6.1's output captured on this VM (no RAPL); the two
 * energy-pkg samples follow perf's documented text and CSV layouts (the kernel patch adding event
 * units shows "3.07 Joules power/energy-pkg/"; the CSV columns are those perf 6.1 printed here for
 * task-clock: value,unit,event,run time,percent), since no machine here exposes the power PMU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePerfStat } from '../../src/meter/sources/perf-stat.js';

const fx = (name: string) => readFileSync(new URL(`../../../test/meter/fixtures/${name}`, import.meta.url), 'utf8');

test('perf stat text output: joules and elapsed seconds', () => {
  assert.deepEqual(parsePerfStat(fx('perf-stat-energy-pkg.txt')), { joules: 212.47, elapsedS: 5.004120345 });
});

test('perf stat -x, output: joules; thousands separators and mJoules handled', () => {
  assert.deepEqual(parsePerfStat(fx('perf-stat-energy-pkg.csv')), { joules: 212.47 });
  assert.equal(parsePerfStat('  1,234.5 Joules power/energy-pkg/\n').joules, 1234.5);
  assert.equal(parsePerfStat('1500,mJoules,power/energy-pkg/,100,100.00,,\n').joules, 1.5);
});

test('perf without the power PMU, or the event not counted: a reason, no figure', () => {
  const r = parsePerfStat(fx('perf-stat-no-pmu.txt'));
  assert.equal(r.joules, undefined);
  assert.match(r.error!, /Cannot find PMU `power'/);
  assert.match(parsePerfStat('<not supported>,Joules,power/energy-pkg/,0,100.00,,\n').error!, /not supported/);
  assert.match(parsePerfStat('').error!, /no power\/energy-pkg\/ line/);
});

test('scripts/device/rapl-meter.sh on a machine without RAPL: says so and exits 0 (a skip)', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('bash', ['scripts/device/rapl-meter.sh'], { encoding: 'utf8', env: { ...process.env, POWERCAP_ROOT: '/nonexistent-powercap' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^SKIP: no \/nonexistent-powercap: this kernel exposes no RAPL/);
  assert.match(r.stdout, /no comparison made on this machine/);
});
