import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { measure, Tracker } from '../../src/meter/index.js';
import { cpuPowerSpec } from '../../src/meter/sources/cpu-model.js';

// Portable: no RAPL, NVML or nvidia-smi, so the model is exercised on any machine.
const modelOnly = { sysfsRoot: '/nonexistent', nvml: false as const, nvidiaSmi: false as const, onNotice: () => {} };

/** Spin until this process has used `ms` more CPU time (wall-time loops starve when others share the CPUs). */
function busyCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const u = process.cpuUsage(start);
    if ((u.user + u.system) / 1000 >= ms) return;
  }
}
const SPIN_CPU = (ms: number) =>
  `const c = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; const s = c(); while (c() - s < ${ms});`;

function busy(ms: number): number {
  let x = 0;
  const t = Date.now();
  while (Date.now() - t < ms) x++;
  return x;
}

test('measure(fn): result and energy; process-scope CPU energy = W per thread x CPU seconds used', async () => {
  const before = process.cpuUsage();
  const { result, energy } = await measure(() => busy(300), { ...modelOnly, country: 'ESP' });
  const used = process.cpuUsage(before);
  const cpuS = (used.user + used.system) / 1e6;
  assert.ok(result > 0);
  const cpu = energy.components.find((c) => c.component === 'cpu')!;
  assert.equal(cpu.method, 'modelled:tdp');
  assert.ok(cpu.energyJ > 0);
  const perThread = cpuPowerSpec().wattsPerThread;
  // The tracker's window lies inside ours, so it saw at most our CPU seconds, and most of them.
  assert.ok(cpu.energyJ <= perThread * cpuS + 1e-6, `${cpu.energyJ} > ${perThread * cpuS}`);
  assert.ok(cpu.energyJ >= perThread * cpuS * 0.5, `${cpu.energyJ} << ${perThread * cpuS}`);
  assert.equal(energy.components.find((c) => c.component === 'ram')!.method, 'modelled:ram');
  assert.ok(energy.components.find((c) => c.component === 'ram')!.energyJ > 0);
  assert.equal(energy.method, 'modelled:tdp+modelled:ram');
  assert.equal(energy.countryIsoCode, 'ESP');
  assert.ok(Math.abs(energy.co2eGrams - (energy.energyJ / 3.6e6) * 174.05) < 1e-12);
});

test('PUE multiplies the total; --tdp scales CPU energy', async () => {
  const { energy } = await measure(() => busy(100), { ...modelOnly, pue: 1.5, tdpW: 200 });
  const sum = energy.components.reduce((a, c) => a + c.energyJ, 0);
  assert.ok(Math.abs(energy.energyJ - 1.5 * sum) < 1e-9);
  const cpu = energy.components.find((c) => c.component === 'cpu')!;
  assert.match(cpu.detail!, /set by --tdp/);
  const cpuS = cpu.energyJ / (200 / cpuPowerSpec().threads);
  assert.ok(cpuS > 0.02 && cpuS < 1, `implied ${cpuS} CPU s`);
});

test('spans: each span gets its window\'s energy, the sum stays within the run, end() is idempotent', async () => {
  const t = new Tracker({ ...modelOnly, intervalMs: 50 });
  await t.start();
  const a = t.startSpan('tokenize');
  busyCpu(100);
  const ra = await a.end();
  const b = t.startSpan('infer');
  busyCpu(100);
  const mid = t.reading().energyJ;
  const rb = await b.end();
  assert.equal(await b.end(), rb);
  busy(20);
  const r = await t.stop();
  assert.ok(ra.energyJ > 0 && rb.energyJ > 0);
  assert.ok(ra.energyJ + rb.energyJ <= r.energyJ + 1e-9);
  assert.ok(mid <= r.energyJ);
  assert.deepEqual(r.spans.map((s) => s.name), ['tokenize', 'infer']);
  assert.equal(ra.method, 'modelled:tdp+modelled:ram');
  assert.equal(t.reading(), r); // after stop, reading() is the final report
});

test('long-running servers: the report keeps the last maxSpans spans, totals by name keep counting', async () => {
  const t = new Tracker({ ...modelOnly, maxSpans: 2 });
  await t.start();
  for (let i = 0; i < 5; i++) {
    const s = t.startSpan(i % 2 ? 'odd' : 'even');
    busy(2);
    await s.end();
  }
  const r = await t.stop();
  assert.equal(r.spans.length, 2);
  assert.deepEqual(r.spanTotals!.map((x) => [x.name, x.count]), [['even', 3], ['odd', 2]]);
  const sum = r.spanTotals!.reduce((a, x) => a + x.energyJ, 0);
  assert.ok(sum > 0 && sum <= r.energyJ + 1e-9);
});

test('worker threads count: process.cpuUsage covers every thread', async () => {
  const { energy } = await measure(
    () =>
      new Promise<void>((done, fail) => {
        const w = new Worker(SPIN_CPU(400), { eval: true });
        w.on('exit', () => done());
        w.on('error', fail);
      }),
    modelOnly,
  );
  const cpuS = energy.components.find((c) => c.component === 'cpu')!.energyJ / cpuPowerSpec().wattsPerThread;
  assert.ok(cpuS >= 0.4 - 0.02, `only ${cpuS} CPU s counted for a worker that spun 400 ms of CPU`);
});

test('children this process waited for count (e.g. a peer benchmark run with spawnSync)', async () => {
  const { energy } = await measure(() => spawnSync(process.execPath, ['-e', SPIN_CPU(400)]), modelOnly);
  const cpuS = energy.components.find((c) => c.component === 'cpu')!.energyJ / cpuPowerSpec().wattsPerThread;
  assert.ok(cpuS >= 0.4 - 0.02, `only ${cpuS} CPU s counted for a child that spun 400 ms of CPU`);
});

test('machine scope: power between 0.1 x TDP (idle) and TDP', async () => {
  const { energy } = await measure(() => busy(200), { ...modelOnly, scope: 'machine', tdpW: 100, intervalMs: 50 });
  const cpu = energy.components.find((c) => c.component === 'cpu')!;
  assert.equal(cpu.method, 'modelled:tdp');
  assert.ok(cpu.meanPowerW >= 10 - 1e-6 && cpu.meanPowerW <= 100 + 1e-6, `${cpu.meanPowerW} W`);
  assert.equal(energy.scope, 'machine');
  assert.match(energy.components.find((c) => c.component === 'ram')!.detail!, /machine scope/);
});

test('bad options are one-line errors naming the option', () => {
  assert.throws(() => new Tracker({ intervalMs: 0 }), /^UserError: intervalMs: must be a positive number, got 0$/);
  assert.throws(() => new Tracker({ pue: 0.5 }), /pue: must be >= 1\.0/);
  assert.throws(() => new Tracker({ country: 'ZZZ' }), /--country ZZZ: unknown ISO 3166-1 alpha-3/);
  assert.throws(() => new Tracker({ scope: 'galaxy' as never }), /scope: must be "process" or "machine"/);
});

test('a running child tree (pid option): live readings grow while it works, before it exits', async () => {
  const child = spawn(process.execPath, ['-e', `${SPIN_CPU(300)}; setTimeout(() => {}, 30000)`], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  try {
    const t = new Tracker({ ...modelOnly, pid: child.pid, intervalMs: 100 });
    await t.start();
    const perThread = cpuPowerSpec().wattsPerThread;
    let cpuS = 0;
    for (let i = 0; i < 100 && cpuS < 0.3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cpuS = t.reading().components.find((c) => c.component === 'cpu')!.energyJ / perThread;
    }
    assert.ok(cpuS >= 0.3 - 0.02, `live reading saw only ${cpuS} CPU s`);
    assert.ok(t.reading().components.find((c) => c.component === 'ram')!.energyJ > 0);
    await t.stop();
  } finally {
    child.kill();
  }
});
