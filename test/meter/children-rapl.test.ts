/**
 * Process scope follows live descendants, so RAPL apportioning sees a forked child's work in the
 * intervals it happened. Fake at the edge of the machine, said so: a fake /sys/class/powercap tree
 * whose package counter the test advances at 25 J per busy CPU-second of the whole machine (read
 * from the real /proc/stat every 10 ms). The meter's attribution (interval energy x this tree's
 * share of the machine's busy CPU time) should then charge 25 J per CPU-second of the tree, however
 * busy the rest of the machine is — whether the work ran in a worker thread or in a child process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { Tracker } from '../../src/meter/index.js';
import { machineCpuTimes, selfReapedChildrenCpuS } from '../../src/meter/sources/proc.js';
import { FakeSysfs } from './fake-sysfs.js';

const J_PER_BUSY_CPU_S = 25;

/** Drives the fake package counter from the machine's real busy time. */
function drivePackage(fs: FakeSysfs): () => void {
  const base = machineCpuTimes().busyS;
  const timer = setInterval(() => fs.set('intel-rapl:0', Math.round(1e6 + 1e6 * J_PER_BUSY_CPU_S * (machineCpuTimes().busyS - base))), 10);
  return () => clearInterval(timer);
}

/** CPU seconds of this process and the children it has reaped, straight from the kernel. */
function kernelTreeCpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6 + selfReapedChildrenCpuS();
}

/** Energy the meter charged over the work, and per CPU-second the tree used meanwhile (the work, plus the test's own timers). */
async function charged(prepare: () => Promise<() => Promise<void>>): Promise<{ j: number; jPerCpuS: number; cpuS: number; method: string }> {
  const fs = new FakeSysfs([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000, maxEnergyRangeUj: 262_143_328_850 }]);
  const stop = drivePackage(fs);
  try {
    const t = new Tracker({ scope: 'process', sysfsRoot: fs.root, nvml: false, nvidiaSmi: false, intervalMs: 100, onNotice: () => {} });
    await t.start();
    const work = await prepare(); // outside the span: a worker thread's start-up is not the work
    const c0 = kernelTreeCpuS();
    const span = t.startSpan('work');
    await work();
    await new Promise((r) => setTimeout(r, 150)); // let the counter catch up with the last busy tick
    const s = await span.end();
    const cpuS = kernelTreeCpuS() - c0; // the child has been reaped: the kernel's own figure
    await t.stop();
    const cpu = s.components.find((c) => c.component === 'cpu')!;
    return { j: cpu.energyJ, jPerCpuS: cpu.energyJ / cpuS, cpuS, method: cpu.methodLabel ?? cpu.method };
  } finally {
    stop();
    fs.remove();
  }
}

// One CPU-second, exactly: the thread spins until its own CPU time (/proc/thread-self/stat) reaches
// 1 s; the child is a shell whose CPU limit (ulimit -t 1) ends it after one CPU-second (SIGXCPU).
const THREAD_SPIN = `
const { readFileSync } = require('node:fs');
const cpuS = () => { const f = readFileSync('/proc/thread-self/stat', 'utf8'); const r = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(r[11]) + Number(r[12])) / 100; };
const t0 = cpuS(); let x = 0;
const { parentPort } = require('node:worker_threads');
parentPort.postMessage('ready');
parentPort.once('message', () => {
  const t0 = cpuS(); let x = 0;
  while (cpuS() - t0 < 1) for (let i = 0; i < 1e5; i++) x += i;
  parentPort.postMessage(x);
});`;

async function inWorkerThread(): Promise<() => Promise<void>> {
  const w = new Worker(THREAD_SPIN, { eval: true });
  await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  return () => new Promise((resolve, reject) => {
    w.once('message', () => void w.terminate().then(() => resolve()));
    w.once('error', reject);
    w.postMessage('go');
  });
}

async function inChildProcess(): Promise<() => Promise<void>> {
  return () => new Promise((resolve, reject) => {
    const c = spawn('/bin/sh', ['-c', 'ulimit -t 1; while :; do :; done'], { stdio: 'ignore' });
    c.once('error', reject);
    c.once('exit', () => resolve());
  });
}

test('RAPL in process scope: one CPU-second in a forked child is charged like the same second in a worker thread (fake sysfs)', async () => {
  const thread = await charged(inWorkerThread);
  const child = await charged(inChildProcess);
  assert.equal(thread.method, 'measured:rapl, attributed by CPU time');
  // Each case is one CPU-second of work plus the test process's own timers, whose CPU time grows
  // with the wall time a loaded machine takes: compare joules per CPU-second the tree used.
  const fig = (c: typeof thread) => `${c.j.toFixed(1)} J for ${c.cpuS.toFixed(2)} CPU-s = ${c.jPerCpuS.toFixed(1)} J/CPU-s`;
  // `ulimit -t 1` stops the child at about one CPU-second (the kernel's accounting may read 0.99).
  assert.ok(thread.cpuS >= 0.9 && child.cpuS >= 0.9, `thread ${fig(thread)}; child ${fig(child)}`);
  assert.ok(Math.abs(thread.jPerCpuS / J_PER_BUSY_CPU_S - 1) <= 0.1, `thread ${fig(thread)}`);
  assert.ok(Math.abs(child.jPerCpuS / thread.jPerCpuS - 1) <= 0.1, `child ${fig(child)} vs thread ${fig(thread)} (ratio ${(child.jPerCpuS / thread.jPerCpuS).toFixed(3)})`);
  console.log(`# thread ${fig(thread)}; child ${fig(child)}; ratio ${(child.jPerCpuS / thread.jPerCpuS).toFixed(3)}`);
});
