/** Usable cores: a cgroup v2 CPU quota caps availableParallelism (fake /sys tree, as for RAPL). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupCpuLimit, usableCores } from '../../src/util/cores.js';

test('cgroup cpu.max: quota/period rounded up, "max" and a missing file mean no limit', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-cores-'));
  try {
    assert.equal(cgroupCpuLimit(root), null, 'no file');
    await mkdir(join(root, 'fs', 'cgroup'), { recursive: true });
    const cpuMax = (v: string) => writeFile(join(root, 'fs', 'cgroup', 'cpu.max'), v);
    await cpuMax('max 100000\n');
    assert.equal(cgroupCpuLimit(root), null);
    await cpuMax('150000 100000\n');
    assert.equal(cgroupCpuLimit(root), 2);
    await cpuMax('50000 100000\n');
    assert.equal(cgroupCpuLimit(root), 1);
    assert.equal(usableCores(root), 1, 'the quota caps the visible CPUs');
    await cpuMax('garbage');
    assert.equal(cgroupCpuLimit(root), null);
    assert.equal(usableCores(root), availableParallelism());
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
