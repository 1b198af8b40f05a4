/**
 * Meter overhead on a CPU-bound job: the same job untracked and tracked (in-process Tracker at 1 s
 * and 100 ms sampling; and `verde measure`-style child tracking), alternating runs so load from
 * other processes spreads over all variants, several repetitions, medians reported.
 *
 * The job yields to the event loop every few milliseconds (as real async work does) so the
 * sampling timer actually runs during it; a job that never yields would show zero overhead.
 * Also prints the direct cost of one sample, which bounds the overhead independently of noise:
 * overhead <= sample cost / interval.
 *
 * On a shared machine other jobs only ever add time, so the minimum over repetitions is the
 * steadier estimate; medians are printed too.
 *
 *   npx tsc -p . && node dist/bench/meter-overhead.js [--reps 9] [--seconds 1]
 */
import { spawn } from 'node:child_process';
import { Tracker } from '../src/meter/index.js';
import { measureCommand } from '../src/meter/run-command.js';
import { resolveOptions } from '../src/meter/options.js';
import { buildComponents } from '../src/meter/components/build.js';
import { FULL_SCAN_MS } from '../src/meter/components/target.js';
import { processTree } from '../src/meter/sources/proc.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const REPS = arg('reps', 9);
const SECONDS = arg('seconds', 1);

/** xorshift work: a fixed number of iterations per chunk, yielding between chunks. */
function chunk(iters: number, seed: number): number {
  let x = seed | 1;
  for (let i = 0; i < iters; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}
const CHUNK_ITERS = 200_000;

async function job(chunks: number): Promise<number> {
  let acc = 0;
  for (let c = 0; c < chunks; c++) {
    acc ^= chunk(CHUNK_ITERS, c + 1);
    await new Promise((r) => setImmediate(r));
  }
  return acc;
}

function cpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

interface Sample {
  wallS: number;
  cpuS: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Sample> {
  const w0 = performance.now();
  const c0 = cpuS();
  await fn();
  return { wallS: (performance.now() - w0) / 1000, cpuS: cpuS() - c0 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(2)} %`;

async function main(): Promise<void> {
  // Calibrate the job to about SECONDS of CPU.
  const probe = await timed(() => job(50));
  const chunks = Math.max(50, Math.round((50 * SECONDS) / probe.cpuS));
  console.log(`job: ${chunks} chunks of ${CHUNK_ITERS} xorshift steps (~${SECONDS} s CPU), ${REPS} repetitions, alternating`);

  // 1. Direct cost of one sample (all components), in-process and for a child tree.
  const quiet = { onNotice: () => {} };
  for (const [label, extra] of [
    ['in-process (process scope)', {}],
    ['in-process (machine scope)', { scope: 'machine' as const }],
  ] as const) {
    const parts = await buildComponents(resolveOptions({ ...quiet, ...extra }), Date.now());
    const meters = [parts.cpu, parts.ram, parts.gpu];
    const n = 2000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) for (const m of meters) m.sample(Date.now());
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`one sample, ${label}: ${us.toFixed(1)} us -> ${((us / 1e6) * 100).toFixed(4)} % of 1 s, ${((us / 1e5) * 100).toFixed(4)} % of 100 ms`);
  }
  {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const parts = await buildComponents(resolveOptions({ ...quiet, pid: child.pid }), Date.now());
    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) parts.ram.sample(Date.now() + 30 * i); // +30 ms: past the 20 ms read cache
    const us = ((performance.now() - t0) * 1000) / n;
    const t1 = performance.now();
    for (let i = 0; i < 20; i++) processTree('/proc', child.pid!);
    const scanUs = ((performance.now() - t1) * 1000) / 20;
    child.kill();
    // Per second: (samples per second) x (cost of a sample) + one full scan every FULL_SCAN_MS.
    const scansPerS = 1000 / FULL_SCAN_MS;
    const perS = (sampleEvery: number) => ((us * (1000 / sampleEvery - scansPerS) + scanUs * scansPerS) / 1e6) * 100;
    console.log(`one sample, child process tree: ${us.toFixed(1)} us (known members) + a full /proc scan of ${scanUs.toFixed(0)} us every ${FULL_SCAN_MS / 1000} s`);
    console.log(`  -> ${perS(1000).toFixed(4)} % of one CPU at 1 s, ${perS(100).toFixed(4)} % at 100 ms (spent in the verde process, not the child)`);
  }

  // 2. In-process A/B: the job untracked vs inside a running Tracker at 1 s and 100 ms, alternating.
  //    The job is timed between start() and stop(); their one-off cost is reported apart.
  const modes: [string, number | undefined][] = [['untracked', undefined], ['tracked 1 s', 1000], ['tracked 100 ms', 100]];
  const results = new Map<string, Sample[]>(modes.map(([m]) => [m, []]));
  const startStopMs: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const [mode, interval] of rep % 2 ? [...modes].reverse() : modes) {
      if (interval === undefined) {
        results.get(mode)!.push(await timed(() => job(chunks)));
        continue;
      }
      const t = new Tracker({ intervalMs: interval, ...quiet });
      const s0 = performance.now();
      await t.start();
      const s1 = performance.now();
      results.get(mode)!.push(await timed(() => job(chunks)));
      const s2 = performance.now();
      await t.stop();
      startStopMs.push(s1 - s0 + (performance.now() - s2));
    }
  }
  const base = results.get('untracked')!;
  console.log(`\nin-process Tracker, ${REPS} runs of the job each (start()+stop() once per run: median ${median(startStopMs).toFixed(1)} ms wall, not included):`);
  const min = (xs: number[]) => Math.min(...xs);
  for (const [mode] of modes) {
    const r = results.get(mode)!;
    const line = [min, median].map((f) => {
      const w = f(r.map((s) => s.wallS));
      const c = f(r.map((s) => s.cpuS));
      const rel = mode === 'untracked' ? '' : ` (${pct(w, f(base.map((s) => s.wallS)))} / ${pct(c, f(base.map((s) => s.cpuS)))})`;
      return `${f === min ? 'min' : 'median'} wall/cpu ${w.toFixed(3)}/${c.toFixed(3)} s${rel}`;
    });
    console.log(`  ${mode.padEnd(15)} ${line.join('   ')}`);
  }

  // 3. Child A/B: the job as a child process, plain vs under measureCommand (what `verde measure` does).
  const childJob = `${chunk.toString()}; let a = 0; for (let c = 0; c < ${chunks}; c++) a ^= chunk(${CHUNK_ITERS}, c + 1);`;
  const out = mkdtempSync(join(tmpdir(), 'verde-bench-'));
  const childResults = new Map<string, number[]>(modes.map(([m]) => [m, []]));
  for (let rep = 0; rep < Math.max(3, Math.ceil(REPS / 2)); rep++) {
    for (const [mode, interval] of rep % 2 ? [...modes].reverse() : modes) {
      const t0 = performance.now();
      if (interval === undefined) {
        await new Promise((r) => spawn(process.execPath, ['-e', childJob], { stdio: 'inherit' }).on('exit', r));
      } else {
        await measureCommand([process.execPath, '-e', childJob], { outDir: out, intervalMs: interval, ...quiet });
      }
      childResults.get(mode)!.push((performance.now() - t0) / 1000);
    }
  }
  rmSync(out, { recursive: true, force: true });
  console.log('\nchild process under measureCommand (wall incl. spawn and writing the outputs):');
  for (const [mode] of modes) {
    const r = childResults.get(mode)!;
    const b = childResults.get('untracked')!;
    const line = [Math.min, median].map((f) => {
      const w = f === median ? median(r) : Math.min(...r);
      const bw = f === median ? median(b) : Math.min(...b);
      return `${f === median ? 'median' : 'min'} ${w.toFixed(3)} s${mode === 'untracked' ? '' : ` (${pct(w, bw)})`}`;
    });
    console.log(`  ${mode.padEnd(15)} wall ${line.join('   ')}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
