import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineCpuPowerW, processCpuEnergyJ, processCpuPowerW, ramPowerW, RAM_W_PER_GIB } from '../../src/meter/power/model.js';
import { cpuPowerSpec, UNDETECTABLE_TDP_W, UNKNOWN_MODEL_W_PER_THREAD } from '../../src/meter/sources/cpu-model.js';
import { loadBetween, parseStat } from '../../src/meter/sources/proc.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('machine scope: TDP x (0.1 + 0.9 x load^3)', () => {
  close(machineCpuPowerW(100, 0), 10);
  close(machineCpuPowerW(100, 1), 100);
  close(machineCpuPowerW(100, 0.5), 100 * (0.1 + 0.9 * 0.125)); // 21.25 W
  close(machineCpuPowerW(200, 0.8), 200 * (0.1 + 0.9 * 0.512)); // 112.16 W
  close(machineCpuPowerW(100, 1.7), 100); // load is clamped to [0, 1]
});

test('process scope: TDP x CPU-time share / n_cpus, and its integral (TDP/n) x CPU seconds', () => {
  // 2 CPU seconds in 4 wall seconds on an 8-thread, 80 W machine: 80 x 0.5 / 8 = 5 W.
  close(processCpuPowerW(80, 2, 4, 8), 5);
  close(processCpuEnergyJ(80 / 8, 2), 20); // = 5 W x 4 s
  close(processCpuPowerW(80, 1, 0, 8), 0);
});

test('RAM: 0.375 W per GiB held', () => {
  assert.equal(RAM_W_PER_GIB, 0.375);
  close(ramPowerW(8 * 1024 ** 3), 3); // 3 W per 8 GiB
  close(ramPowerW(512 * 1024 ** 2), 0.1875);
});

test('TDP: table entry scaled per visible thread, unknown model 4 W/thread, undetectable 85 W, override', () => {
  const table = cpuPowerSpec({ model: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', threads: 4 });
  assert.equal(table.source, 'table');
  close(table.tdpW, (300 / 64) * 4); // 300 W over 64 threads, 4 visible
  const unknown = cpuPowerSpec({ model: 'Intel(R) Xeon(R) Processor', threads: 2 });
  assert.equal(unknown.source, 'fallback:per-thread');
  close(unknown.tdpW, UNKNOWN_MODEL_W_PER_THREAD * 2);
  close(unknown.wattsPerThread, 4);
  const none = cpuPowerSpec({ model: '', threads: 2 });
  assert.equal(none.source, 'fallback:default');
  close(none.tdpW, UNDETECTABLE_TDP_W);
  const over = cpuPowerSpec({ tdpW: 65, model: 'AMD EPYC 7763 64-Core Processor', threads: 2 });
  assert.equal(over.source, 'override');
  close(over.wattsPerThread, 32.5);
});

test('procfs parsing: command names with spaces and parentheses; load between readings', () => {
  const line = '4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 1 0 100 0 0';
  const st = parseStat(line);
  assert.equal(st.pid, 4242);
  assert.equal(st.ppid, 1);
  close(st.ownCpuS, 3); // (250 + 50) ticks at USER_HZ 100
  close(st.childrenCpuS, 0.5);
  close(loadBetween({ busyS: 10, totalS: 20 }, { busyS: 13, totalS: 24 }), 0.75);
  close(loadBetween({ busyS: 10, totalS: 20 }, { busyS: 10, totalS: 20 }), 0);
});
