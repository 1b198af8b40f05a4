/**
 * GPU sources with fakes at the edge of the machine: a fake NVML (a plain JS object implementing
 * the same small NvmlBinding interface as the koffi binding of libnvidia-ml.so.1) and a fake
 * nvidia-smi (a tiny shell script on PATH printing the CSV the real one prints).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracker, detectSources } from '../../src/meter/index.js';
import type { NvmlBinding } from '../../src/meter/sources/nvml.js';
import { visibleGpus } from '../../src/meter/sources/cuda-visible.js';
import { parseSmiCsv } from '../../src/meter/sources/nvidia-smi.js';

/** GPU 0: working counter; GPU 1: no counter, 150 W; GPU 2: reports 0 mJ and 0 W (a virtual GPU). */
function fakeNvml() {
  let shutdowns = 0;
  const binding: NvmlBinding & { energy: number[]; milliwatts: number[]; shutdowns: () => number } = {
    energy: [5_000_000, 0, 0],
    milliwatts: [300_000, 150_000, 0],
    shutdowns: () => shutdowns,
    devices: () => [
      { index: 0, uuid: 'GPU-aaaa-0000', name: 'NVIDIA H100' },
      { index: 1, uuid: 'GPU-bbbb-1111', name: 'Tesla P100' },
      { index: 2, uuid: 'GPU-cccc-2222', name: 'GRID vGPU' },
    ],
    totalEnergyMj: (i) => (i === 1 ? undefined : binding.energy[i]),
    powerMw: (i) => binding.milliwatts[i],
    shutdown: () => {
      shutdowns++;
    },
  };
  return binding;
}

const quiet = { sysfsRoot: '/nonexistent', nvidiaSmi: false as const };

test('CUDA_VISIBLE_DEVICES: indices and UUID prefixes, stops at the first invalid entry, empty hides all', () => {
  const all = fakeNvml().devices();
  assert.deepEqual(visibleGpus(all, {}).visible.map((g) => g.index), [0, 1, 2]);
  assert.deepEqual(visibleGpus(all, { CUDA_VISIBLE_DEVICES: '2,0' }).visible.map((g) => g.index), [2, 0]);
  assert.deepEqual(visibleGpus(all, { CUDA_VISIBLE_DEVICES: 'GPU-bbbb' }).visible.map((g) => g.index), [1]);
  assert.deepEqual(visibleGpus(all, { CUDA_VISIBLE_DEVICES: '1,7,0' }).visible.map((g) => g.index), [1]);
  assert.deepEqual(visibleGpus(all, { CUDA_VISIBLE_DEVICES: '' }).visible, []);
  assert.match(visibleGpus(all, { CUDA_VISIBLE_DEVICES: '0' }).note, /1 of 3 GPUs tracked/);
});

test('NVML: energy counter where supported, power integrated elsewhere, 0-reporting GPU left out and said', async () => {
  const nvml = fakeNvml();
  const notices: string[] = [];
  const t = new Tracker({ ...quiet, nvml, intervalMs: 20, env: {}, onNotice: (m) => notices.push(m) });
  await t.start();
  nvml.energy[0] += 42_000; // +42 J on GPU 0's counter
  await new Promise((r) => setTimeout(r, 200));
  const r = await t.stop();
  const gpu = r.components.find((c) => c.component === 'gpu')!;
  assert.equal(gpu.method, 'measured:nvml');
  // GPU 0: exactly 42 J from the counter; GPU 1: 150 W integrated over ~0.2 s.
  const gpu1J = gpu.energyJ - 42;
  assert.ok(gpu1J > 150 * 0.15 && gpu1J < 150 * 0.5, `gpu1 ${gpu1J} J over ${r.durationS} s`);
  assert.ok(Math.abs(gpu1J - 150 * r.durationS) < 1e-6 + 150 * 0.05, `integrated ${gpu1J} vs ${150 * r.durationS}`);
  assert.match(gpu.detail!, /GPU 0 NVIDIA H100: total energy counter/);
  assert.match(gpu.detail!, /GPU 1 Tesla P100: power sampled and integrated \(energy counter unsupported\)/);
  assert.match(gpu.detail!, /GPU 2 GRID vGPU: reports 0 mJ and 0 W .*left out, not counted as 0 J/);
  assert.equal(notices.length, 1);
  assert.match(notices[0], /GPU 2 GRID vGPU/);
  assert.equal(r.machine!.gpuCount, 2);
  assert.equal(nvml.shutdowns(), 0); // the caller's binding: the caller shuts it down
});

test('NVML honours CUDA_VISIBLE_DEVICES: a GPU outside it is not billed', async () => {
  const nvml = fakeNvml();
  const t = new Tracker({ ...quiet, nvml, env: { CUDA_VISIBLE_DEVICES: '0' }, onNotice: () => {} });
  await t.start();
  nvml.energy[0] += 10_000;
  const r = await t.stop();
  const gpu = r.components.find((c) => c.component === 'gpu')!;
  assert.ok(Math.abs(gpu.energyJ - 10) < 1e-9, `${gpu.energyJ}`);
  assert.doesNotMatch(gpu.detail!, /Tesla P100/);
  assert.match(gpu.detail!, /1 of 3 GPUs tracked/);
});

test('only a 0-reporting GPU visible: method none with the reason, not 0 J measured', async () => {
  const nvml = fakeNvml();
  const t = new Tracker({ ...quiet, nvml, env: { CUDA_VISIBLE_DEVICES: '2' }, onNotice: () => {} });
  await t.start();
  const r = await t.stop();
  const gpu = r.components.find((c) => c.component === 'gpu')!;
  assert.equal(gpu.method, 'none');
  assert.match(gpu.detail!, /GRID vGPU: reports 0 mJ and 0 W/);
  assert.doesNotMatch(r.method, /nvml/);
});

function fakeSmiDir(csv: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'verde-smi-'));
  const script = join(dir, 'nvidia-smi');
  writeFileSync(script, `#!/bin/sh\ncat <<'CSV'\n${csv}CSV\n`);
  chmodSync(script, 0o755);
  return dir;
}

test('nvidia-smi CSV parsing: [N/A] power is no reading', () => {
  const rows = parseSmiCsv('0, GPU-aaaa, NVIDIA A100-SXM4-40GB, 61.23\n1, GPU-bbbb, GRID T4-4Q, [N/A]\n');
  assert.deepEqual(rows.map((r) => [r.index, r.name, r.powerW]), [[0, 'NVIDIA A100-SXM4-40GB', 61.23], [1, 'GRID T4-4Q', undefined]]);
});

test('nvidia-smi fallback (fake script on PATH): power integrated, 0 W GPU said, CUDA_VISIBLE_DEVICES honoured', async () => {
  const dir = fakeSmiDir('0, GPU-aaaa, NVIDIA A100, 100.00\n1, GPU-bbbb, NVIDIA A100, 100.00\n2, GPU-cccc, GRID vGPU, 0.00\n');
  try {
    const env = { PATH: `${dir}:${process.env.PATH}`, CUDA_VISIBLE_DEVICES: '0,2' };
    const notices: string[] = [];
    const t = new Tracker({ sysfsRoot: '/nonexistent', nvml: false, env, intervalMs: 50, onNotice: (m) => notices.push(m) });
    await t.start();
    await new Promise((r) => setTimeout(r, 300));
    const r = await t.stop();
    const gpu = r.components.find((c) => c.component === 'gpu')!;
    assert.equal(gpu.method, 'measured:nvidia-smi');
    // Only GPU 0 (100 W) is billed: about 100 W x duration (billing GPU 2 or dropping GPU 0 would be 0 J
    // or 2x). Each sample spawns the fake script, so on a loaded machine the samples' edges move by tens
    // of ms: the band is a quarter of the run, not a fixed 50 ms.
    assert.ok(Math.abs(gpu.energyJ - 100 * r.durationS) < 100 * Math.max(0.05, 0.25 * r.durationS), `${gpu.energyJ} J over ${r.durationS} s`);
    assert.match(gpu.detail!, /GPU 2 GRID vGPU: reports 0 W .*left out/);
    assert.match(gpu.detail!, /2 of 3 GPUs tracked/);
    assert.ok(notices.some((n) => /GRID vGPU reports 0 W/.test(n)));
    assert.equal(r.machine!.gpuCount, 1);

    const d = await detectSources({ sysfsRoot: '/nonexistent', nvml: false, env });
    assert.equal(d.methods.gpu, 'measured:nvidia-smi');
    assert.match(d.sources.find((s) => s.source === 'nvidia-smi')!.why, /GPU 2 GRID vGPU: reports 0 W \(left out/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect with a fake NVML: per-GPU reasons and measured:nvml', async () => {
  const d = await detectSources({ ...quiet, nvml: fakeNvml(), env: {} });
  assert.equal(d.methods.gpu, 'measured:nvml');
  assert.deepEqual(
    d.sources.filter((s) => s.source.startsWith('GPU ')).map((s) => [s.source, s.readable]),
    [['GPU 0 NVIDIA H100', true], ['GPU 1 Tesla P100', true], ['GPU 2 GRID vGPU', false]],
  );
});
