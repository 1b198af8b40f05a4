/**
 * Labels that say what was apportioned (issue 17 item 4), from the one function that writes them,
 * through a tracker's components, the run's method, Prometheus and `verde detect`. Fakes at the
 * edge, said so: a fake /sys/class/powercap tree, and a fake NVML binding (a JS object).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinMethodLabels, methodLabel } from '../../src/meter/method-label.js';
import { detectSources, prometheusText, Tracker } from '../../src/meter/index.js';
import type { NvmlBinding } from '../../src/meter/sources/nvml.js';
import { twoPackageTree } from './fake-sysfs.js';

test('methodLabel: plain for what is not apportioned, qualified for a share or a whole device; joined with +', () => {
  assert.equal(methodLabel('modelled:tdp'), 'modelled:tdp');
  assert.equal(methodLabel('measured:rapl', 'attributed by CPU time'), 'measured:rapl, attributed by CPU time');
  assert.equal(methodLabel('measured:nvml', 'whole device'), 'measured:nvml, whole device');
  assert.equal(joinMethodLabels(['measured:rapl, attributed by CPU time', 'modelled:ram', 'none', 'modelled:ram']), 'measured:rapl, attributed by CPU time+modelled:ram');
  assert.equal(joinMethodLabels(['none']), 'none');
});

test('RAPL in process scope is labelled attributed, in machine scope plain; NVML whole device (JSON, run method, Prometheus, detect)', async () => {
  const fs = twoPackageTree();
  const nvml: NvmlBinding = {
    devices: () => [{ index: 0, uuid: 'GPU-aaaa-0000', name: 'NVIDIA H100' }],
    totalEnergyMj: () => 5_000_000,
    powerMw: () => 300_000,
    shutdown: () => undefined,
  };
  try {
    const run = async (scope: 'process' | 'machine') => {
      const t = new Tracker({ scope, sysfsRoot: fs.root, nvml, nvidiaSmi: false, env: {}, intervalMs: 50, onNotice: () => {} });
      await t.start();
      await new Promise((r) => setTimeout(r, 60));
      return t.stop();
    };
    const p = await run('process');
    const cpu = p.components.find((c) => c.component === 'cpu')!;
    assert.equal(cpu.method, 'measured:rapl');
    assert.equal(cpu.apportioned, 'attributed by CPU time');
    assert.equal(cpu.methodLabel, 'measured:rapl, attributed by CPU time');
    assert.equal(p.components.find((c) => c.component === 'gpu')!.methodLabel, 'measured:nvml, whole device');
    assert.equal(p.components.find((c) => c.component === 'ram')!.methodLabel, 'modelled:ram');
    assert.equal(p.method, 'measured:rapl, attributed by CPU time+modelled:ram+measured:nvml, whole device');
    assert.match(prometheusText(p), /verde_energy_joules_total\{[^}]*component="cpu",method="measured:rapl, attributed by CPU time"\}/);
    const m = await run('machine');
    assert.equal(m.components.find((c) => c.component === 'cpu')!.methodLabel, 'measured:rapl');
    const d = await detectSources({ scope: 'process', sysfsRoot: fs.root, nvml, nvidiaSmi: false, env: {} });
    assert.deepEqual(d.labels, { cpu: 'measured:rapl, attributed by CPU time', ram: 'modelled:ram', gpu: 'measured:nvml, whole device' });
  } finally {
    fs.remove();
  }
});
