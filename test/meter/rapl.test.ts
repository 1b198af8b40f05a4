import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { discoverRapl, zonesToSum, counterDeltaUj, RaplCounter } from '../../src/meter/sources/rapl.js';
import { Tracker } from '../../src/meter/index.js';
import { twoPackageTree, FakeSysfs } from './fake-sysfs.js';

test('discovery: packages summed as CPU, dram as RAM; core, uncore and psys never summed', () => {
  const fs = twoPackageTree();
  try {
    const d = discoverRapl(fs.root);
    assert.equal(d.unavailable, undefined);
    assert.equal(d.zones.length, 9);
    const { cpu, dram } = zonesToSum(d.zones);
    assert.deepEqual(cpu.map((z) => z.id), ['intel-rapl:0', 'intel-rapl:1']);
    assert.deepEqual(dram.map((z) => z.id), ['intel-rapl:0:2', 'intel-rapl:1:2']);
  } finally {
    fs.remove();
  }
});

test('no powercap directory: unavailable with the reason', () => {
  const d = discoverRapl('/nonexistent-sysfs-root');
  assert.equal(d.zones.length, 0);
  assert.match(d.unavailable!, /no \/nonexistent-sysfs-root\/class\/powercap/);
});

test('wrap-around folded via max_energy_range_uj', () => {
  assert.equal(counterDeltaUj(100, 350, 1000), 250);
  assert.equal(counterDeltaUj(900, 100, 1000), 200); // wrapped once: 100 to the top, 100 after
  const fs = new FakeSysfs([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 900_000, maxEnergyRangeUj: 1_000_000 }]);
  try {
    const c = new RaplCounter(discoverRapl(fs.root).zones[0]);
    fs.set('intel-rapl:0', 950_000);
    assert.equal(c.totalUj(), 50_000);
    fs.set('intel-rapl:0', 30_000); // wrapped
    assert.equal(c.totalUj(), 130_000);
    fs.set('intel-rapl:0', 40_000);
    assert.equal(c.totalUj(), 140_000);
  } finally {
    fs.remove();
  }
});

test('tracker in machine scope: measured:rapl for CPU (two packages) and RAM (dram), sub-zones not double counted', async () => {
  const fs = twoPackageTree(10_000_000);
  const notices: string[] = [];
  try {
    const t = new Tracker({ scope: 'machine', sysfsRoot: fs.root, nvml: false, nvidiaSmi: false, onNotice: (m) => notices.push(m) });
    await t.start();
    // package-0 +3 J, package-1 wraps: 1 J -> top (9 J) then +0.5 J = 9.5 J; core/uncore/psys move too but must not count.
    fs.set('intel-rapl:0', 4_000_000);
    fs.set('intel-rapl:1', 500_000);
    fs.set('intel-rapl:0:0', 3_000_000);
    fs.set('intel-rapl:0:1', 2_000_000);
    fs.set('intel-rapl:2', 9_900_000);
    fs.set('intel-rapl:0:2', 2_700_000); // dram +0.7 J
    fs.set('intel-rapl:1:2', 2_300_000); // dram +0.3 J
    const r = await t.stop();
    const cpu = r.components.find((c) => c.component === 'cpu')!;
    const ram = r.components.find((c) => c.component === 'ram')!;
    assert.equal(cpu.method, 'measured:rapl');
    assert.ok(Math.abs(cpu.energyJ - 12.5) < 1e-9, `cpu ${cpu.energyJ}`);
    assert.equal(ram.method, 'measured:rapl');
    assert.ok(Math.abs(ram.energyJ - 1.0) < 1e-9, `ram ${ram.energyJ}`);
    assert.equal(r.method, 'measured:rapl');
    assert.deepEqual(notices, []);
  } finally {
    fs.remove();
  }
});

test('root-only energy_uj: one clear message with the fix', () => {
  const fs = twoPackageTree();
  try {
    // Stand-in for a non-root user reading a root-only file (the tests may run as root, which reads anything).
    const denied = (p: string) => {
      if (p.endsWith('energy_uj')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      return readFileSync(p, 'utf8');
    };
    const d = discoverRapl(fs.root, denied);
    assert.ok(d.zones.every((z) => !z.readable));
    assert.match(d.zones[0].error!, /permission denied; energy_uj is readable by root only since Linux 5\.10.*chmod/);
  } finally {
    fs.remove();
  }
});

test('unreadable energy_uj: the tracker says so once and falls back to the TDP model', async () => {
  const fs = twoPackageTree();
  const notices: string[] = [];
  try {
    rmSync(fs.path('intel-rapl:1', 'energy_uj'));
    symlinkSync('/nonexistent/energy_uj', fs.path('intel-rapl:1', 'energy_uj'));
    const t = new Tracker({ scope: 'machine', sysfsRoot: fs.root, nvml: false, nvidiaSmi: false, onNotice: (m) => notices.push(m) });
    await t.start();
    const r = await t.stop();
    assert.equal(r.components.find((c) => c.component === 'cpu')!.method, 'modelled:tdp');
    assert.equal(r.components.find((c) => c.component === 'ram')!.method, 'modelled:ram');
    assert.equal(notices.length, 1);
    assert.match(notices[0], /RAPL present but unreadable.*intel-rapl:1\/energy_uj.*ENOENT.*Using the TDP model/);
    assert.deepEqual(r.notices, notices);
  } finally {
    fs.remove();
  }
});

test('process scope with RAPL: package energy attributed by CPU-time share, never more than measured', async () => {
  const fs = twoPackageTree();
  try {
    const t = new Tracker({ scope: 'process', sysfsRoot: fs.root, nvml: false, nvidiaSmi: false, intervalMs: 50, onNotice: () => {} });
    await t.start();
    // Busy in 10 ms slices so the sampling timer runs: this process holds a large share of the
    // machine's busy time while package 0's counter advances by 10 J.
    const t0 = Date.now();
    let bumped = false;
    while (Date.now() - t0 < 400) {
      const s = Date.now();
      while (Date.now() - s < 10);
      if (!bumped && Date.now() - t0 > 100) {
        fs.set('intel-rapl:0', 11_000_000);
        bumped = true;
      }
      await new Promise((r) => setImmediate(r));
    }
    const r = await t.stop();
    const cpu = r.components.find((c) => c.component === 'cpu')!;
    assert.equal(cpu.method, 'measured:rapl');
    assert.match(cpu.detail!, /attributed by the share of machine CPU time/);
    assert.ok(cpu.energyJ > 0 && cpu.energyJ <= 10 + 1e-9, `cpu ${cpu.energyJ}`);
    // In process scope RAM is always modelled from resident memory, never the machine's dram zone.
    assert.equal(r.components.find((c) => c.component === 'ram')!.method, 'modelled:ram');
  } finally {
    fs.remove();
  }
});
