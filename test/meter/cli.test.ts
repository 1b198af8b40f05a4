/**
 * `verde measure` and `verde detect` end to end: the real CLI, real child processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODECARBON_COLUMNS } from '../../src/meter/index.js';
import { splitCsvLine } from '../../src/meter/outputs/codecarbon-csv.js';
import { twoPackageTree } from './fake-sysfs.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** A child that spins until it has used `ms` of CPU time (not wall time: other jobs share these CPUs). */
const BUSY = (ms: number, code = 0) =>
  `const c = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; while (c() < ${ms}); process.exit(${code})`;

function verde(args: string[], cwd?: string) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });
}

/**
 * The CPU method this host must get, read from the machine itself rather than from the meter's own
 * detection (the code under test): RAPL when some package zone's energy_uj under /sys/class/powercap
 * is readable (Intel, or AMD through the same intel-rapl interface), the TDP model otherwise.
 */
function expectedCpuMethod(): 'measured:rapl' | 'modelled:tdp' {
  const base = '/sys/class/powercap';
  let zones: string[] = [];
  try {
    zones = readdirSync(base);
  } catch {
    return 'modelled:tdp';
  }
  const readable = zones.some((z) => {
    try {
      if (!/^package/.test(readFileSync(join(base, z, 'name'), 'utf8').trim())) return false;
      accessSync(join(base, z, 'energy_uj'), constants.R_OK);
      readFileSync(join(base, z, 'energy_uj'), 'utf8');
      return true;
    } catch {
      return false;
    }
  });
  return readable ? 'measured:rapl' : 'modelled:tdp';
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'verde-cli-'));
}

test('measure: a real busy child — energy > 0 with its method, emissions.csv with CodeCarbon\'s header, exit code passed on', async () => {
  const dir = tmp();
  try {
    const out = join(dir, 'energy');
    const expected = expectedCpuMethod(); // modelled:tdp on a KVM VM (no powercap)
    const t0 = performance.now();
    const r = verde(['measure', '--out', out, '--country', 'ESP', '--interval', '200ms', '--project', 'e2e', '--', process.execPath, '-e', BUSY(1200, 3)]);
    const wallS = (performance.now() - t0) / 1000;
    assert.equal(r.status, 3, r.stderr);
    // A RAPL figure may carry how it was apportioned after the method ("measured:rapl, attributed by ...").
    assert.match(r.stderr, new RegExp(`cpu +[0-9.]+ (mJ|J|Wh) +mean [0-9.]+ W +\\[${expected}[^\\]]*\\]`));
    assert.match(r.stderr, /carbon +[0-9.]+ (mg|g) CO2e at 174\.05 gCO2e\/kWh, Spain \(ESP\), source table:owid-2023/);
    const csv = readFileSync(join(out, 'emissions.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(csv[0], CODECARBON_COLUMNS.join(','));
    assert.equal(csv.length, 2);
    const row = splitCsvLine(csv[1]);
    const col = (name: string) => row[CODECARBON_COLUMNS.indexOf(name as never)];
    assert.equal(col('project_name'), 'e2e');
    assert.equal(col('tracking_mode'), 'process');
    assert.ok(Number(col('cpu_energy')) > 0);
    // The child's 1.2 s of CPU time include Node's helper threads (GC, JIT) running in parallel on
    // the second core, so its wall time can be shorter; it is bounded by what we waited for.
    assert.ok(Number(col('duration')) >= 0.5 && Number(col('duration')) <= wallS, `duration ${col('duration')} s, waited ${wallS} s`);
    const json = JSON.parse(readFileSync(join(out, `${col('run_id')}.json`), 'utf8'));
    const cpu = json.components.find((c: { component: string }) => c.component === 'cpu');
    assert.ok(cpu.method === expected || cpu.method.startsWith(`${expected},`), `cpu method ${cpu.method}, expected ${expected}`);
    // The CSV (kWh, CodeCarbon's unit) and the JSON (J) say the same, and the parts add up to the whole.
    assert.ok(Math.abs(Number(col('cpu_energy')) * 3.6e6 - cpu.energyJ) <= 1e-6 * cpu.energyJ + 1e-9, `csv ${col('cpu_energy')} kWh vs json ${cpu.energyJ} J`);
    const parts = json.components.reduce((s: number, c: { energyJ: number }) => s + c.energyJ, 0);
    assert.ok(Math.abs(json.energyJ - parts) <= 1e-9 * parts + 1e-12 && json.energyJ >= cpu.energyJ, `total ${json.energyJ} J vs parts ${parts} J`);
    // The child used 1.2 CPU seconds spinning plus Node's start-up: the model bills exactly that.
    if (expected === 'modelled:tdp') {
      const perThread = Number(/([0-9.]+) W per busy thread/.exec(cpu.detail)![1]);
      const cpuS = cpu.energyJ / perThread;
      assert.ok(cpuS >= 1.2 - 0.02 && cpuS < 2, `${cpuS} CPU s`);
    }
    assert.match(readFileSync(join(out, 'metrics.prom'), 'utf8'), /verde_energy_joules_total\{project="e2e",component="cpu",method="[a-z:]+"\} [0-9.e-]+/);
    // A second run appends a row under the same header.
    const r2 = verde(['measure', '--out', out, '--', process.execPath, '-e', BUSY(50)]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(readFileSync(join(out, 'emissions.csv'), 'utf8').trimEnd().split('\n').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('measure: the whole process tree counts — two grandchildren running in parallel under a shell', async () => {
  const dir = tmp();
  try {
    const out = join(dir, 'energy');
    const spin = `${process.execPath} -e "${BUSY(400).replace(/"/g, '\\"')}"`;
    const r = verde(['measure', '--out', out, '--tdp', '2', '--', 'sh', '-c', `${spin} & ${spin} & wait`]);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.json'))!), 'utf8'));
    // --tdp 2 W over the visible threads: CPU seconds = energy / (2 / threads).
    const cpuS = json.components.find((c: { component: string }) => c.component === 'cpu').energyJ / (2 / json.machine.cpuCount);
    assert.ok(cpuS >= 0.8 - 0.04, `only ${cpuS} CPU s for two children that each spun 0.4 s of CPU`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('measure: SIGINT is forwarded to the child and the outputs are still written', async () => {
  const dir = tmp();
  try {
    const out = join(dir, 'energy');
    // The measured command says it is running by writing a marker: `verde measure` installs its
    // signal forwarding as soon as the command has spawned, so from then on SIGINT must be forwarded
    // (a fixed wait was too short for a loaded machine).
    const marker = join(dir, 'running');
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, ''); setInterval(() => {}, 1000)`;
    const child = spawn(process.execPath, [CLI, 'measure', '--out', out, '--', process.execPath, '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    for (let i = 0; i < 600 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(marker), `the measured command did not start within 30 s: ${stderr}`);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 130, stderr); // 128 + SIGINT, as a shell reports it
    assert.match(stderr, /exit 130, SIGINT/);
    const files = readdirSync(out).sort();
    assert.equal(files.length, 3, files.join(','));
    assert.ok(files.includes('emissions.csv') && files.includes('metrics.prom'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function assertOneLineError(r: ReturnType<typeof verde>, pattern: RegExp, status = 2) {
  assert.equal(r.status, status, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^verde: /);
  assert.match(lines[0], pattern);
}

test('measure bad input: unknown country, non-positive interval, unwritable out, missing command — one line, no files', () => {
  const dir = tmp();
  try {
    const out = join(dir, 'energy');
    const marker = join(dir, 'ran');
    const child = ['--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`];
    assertOneLineError(verde(['measure', '--out', out, '--country', 'XYZ', ...child]), /--country XYZ: unknown ISO 3166-1 alpha-3/);
    assertOneLineError(verde(['measure', '--out', out, '--interval=0', ...child]), /--interval: "0" must be a duration above 0/);
    assertOneLineError(verde(['measure', '--out', out, '--interval=-1s', ...child]), /--interval: "-1s" must be a duration such as/);
    assertOneLineError(verde(['measure', '--out', out, '--pue', '0.9', ...child]), /--pue: expected a number >= 1 \(got "0\.9"\)/);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    assertOneLineError(verde(['measure', '--out', join(file, 'sub'), ...child]), /--out .*a-file\/sub: .*a-file is not a directory/);
    assertOneLineError(verde(['measure', '--out', out, '--', 'no-such-command-verde-test']), /command not found: no-such-command-verde-test/, 127);
    assert.ok(!existsSync(out), 'no output directory was created');
    assert.ok(!existsSync(marker), 'the command never ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('measure bad input: a malformed existing emissions.csv is refused, untouched, before the command runs', () => {
  const dir = tmp();
  try {
    const csv = join(dir, 'emissions.csv');
    const text = 'when,what\n1,2\n';
    writeFileSync(csv, text);
    const marker = join(dir, 'ran');
    const r = verde(['measure', '--out', dir, '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`]);
    assertOneLineError(r, /emissions\.csv: malformed emissions\.csv: header column 1 is "when", expected "timestamp"/);
    assert.equal(readFileSync(csv, 'utf8'), text);
    assert.deepEqual(readdirSync(dir), ['emissions.csv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect: every source with readable/why and the methods; a fake sysfs tree shows RAPL zones', () => {
  const r = verde(['detect']);
  assert.equal(r.status, 0, r.stderr);
  for (const s of ['RAPL', 'NVML', 'nvidia-smi', 'CPU model / TDP', 'RAM', 'Carbon intensity']) assert.match(r.stdout, new RegExp(`\\n  ${s}`));
  assert.match(r.stdout, /Methods in process scope: cpu (modelled:tdp|measured:rapl), ram (modelled:ram|measured:rapl), gpu (none|measured:nvml|measured:nvidia-smi)/);
  if (!existsSync('/sys/class/powercap')) assert.match(r.stdout, /RAPL \(powercap\) +no +no \/sys\/class\/powercap/);

  const fs = twoPackageTree();
  try {
    const j = verde(['detect', '--json', '--scope', 'machine', '--sysfs-root', fs.root]);
    assert.equal(j.status, 0, j.stderr);
    const report = JSON.parse(j.stdout);
    assert.deepEqual(report.methods.cpu, 'measured:rapl');
    assert.deepEqual(report.methods.ram, 'measured:rapl');
    const zone = (id: string) => report.sources.find((s: { source: string }) => s.source.startsWith(`RAPL ${id} `));
    assert.match(zone('intel-rapl:0').why, /summed as CPU/);
    assert.match(zone('intel-rapl:0:0').why, /not summed: core is inside its package/);
    assert.match(zone('intel-rapl:2').why, /not summed: platform zone/);
  } finally {
    fs.remove();
  }
});
