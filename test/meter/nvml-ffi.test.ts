/**
 * The real koffi binding (sources/nvml.ts) against a fake libnvidia-ml.so.1 compiled from
 * fixtures/fake-nvml.c — a fake at the edge of the machine that checks the FFI signatures
 * (opaque handles, out-parameters, uint64 energies, char buffers). Skipped where no C compiler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNvml } from '../../src/meter/sources/nvml.js';
import { Tracker } from '../../src/meter/index.js';

const SOURCE = fileURLToPath(new URL('../../../test/meter/fixtures/fake-nvml.c', import.meta.url));

test('loadNvml: a missing library is a clear reason, not a crash', async () => {
  await assert.rejects(loadNvml('/nonexistent/libnvidia-ml.so.1'), /\/nonexistent\/libnvidia-ml\.so\.1 not loadable .*no NVIDIA driver here/);
});

test('koffi NVML binding against a compiled fake libnvidia-ml.so.1', async (t) => {
  if (spawnSync('cc', ['--version']).status !== 0) {
    t.skip('no C compiler to build the fake NVML library');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'verde-nvml-'));
  try {
    const lib = join(dir, 'libnvidia-ml.so.1');
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-O1', '-o', lib, SOURCE], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const nvml = await loadNvml(lib);
    assert.deepEqual(nvml.devices(), [
      { index: 0, name: 'Fake H100', uuid: 'GPU-fake-0000' },
      { index: 1, name: 'Fake P100', uuid: 'GPU-fake-1111' },
    ]);
    const e1 = nvml.totalEnergyMj(0)!;
    const e2 = nvml.totalEnergyMj(0)!;
    assert.equal(e2 - e1, 1500);
    assert.ok(e1 > 123456789);
    assert.equal(nvml.totalEnergyMj(1), undefined); // NVML_ERROR_NOT_SUPPORTED
    assert.equal(nvml.powerMw(1), 75000);

    // Through a tracker: GPU 0 by its counter, GPU 1 by power integrated; measured:nvml.
    const tr = new Tracker({ sysfsRoot: '/nonexistent', nvml, nvidiaSmi: false, env: {}, onNotice: () => {} });
    await tr.start();
    const r = await tr.stop();
    const gpu = r.components.find((c) => c.component === 'gpu')!;
    assert.equal(gpu.method, 'measured:nvml');
    assert.match(gpu.detail!, /GPU 0 Fake H100: total energy counter.*GPU 1 Fake P100: power sampled/);
    assert.ok(gpu.energyJ >= 1.5, `${gpu.energyJ}`); // at least one counter step of 1500 mJ
    nvml.shutdown();
    // Loading again in the same process (a second tracker) must work too.
    const again = await loadNvml(lib);
    assert.equal(again.devices().length, 2);
    again.shutdown();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
