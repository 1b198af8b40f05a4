/**
 * CPU seconds of the calling thread (Node 20 has no process.threadCpuUsage()): the scheduler's
 * run time in /proc/thread-self/schedstat (nanoseconds), else utime+stime of /proc/thread-self/stat
 * (10 ms ticks), else 0 where there is no procfs (energy then falls entirely to the remainder).
 * Each inference worker reads its own thread, so concurrent batches of other models never mix in.
 */
import { readFileSync } from 'node:fs';
import { parseStat } from '../meter/sources/proc.js';

let source: 'schedstat' | 'stat' | 'none' | undefined;

export function threadCpuSeconds(): number {
  if (source === undefined || source === 'schedstat') {
    try {
      const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]);
      if (Number.isFinite(ns)) {
        source = 'schedstat';
        return ns / 1e9;
      }
    } catch {
      // fall through
    }
    source = 'stat';
  }
  if (source === 'stat') {
    try {
      return parseStat(readFileSync('/proc/thread-self/stat', 'utf8')).ownCpuS;
    } catch {
      source = 'none';
    }
  }
  return 0;
}

/**
 * The kernel updates a running thread's CPU time only at scheduler ticks (4 ms at HZ=250) and
 * context switches, so reading it around a batch of a few hundred microseconds gives 0 or a whole
 * tick. A thread that has just woken up (a batch arriving at an idle worker) reads fresh, though.
 * So a batch's CPU is its wall time in the worker times this thread's CPU-per-wall ratio over the
 * batches before it: smooth per batch, and its sum follows the thread's real CPU time.
 */
export class ThreadCpuRate {
  private cpu0?: number;
  private wallS = 0;
  private ratio = 1;

  constructor(private readonly maxRatio = 1) {}

  /** Call as a batch starts (the thread has just woken): updates the ratio from the batches before. */
  begin(): void {
    const cpu = threadCpuSeconds();
    if (this.cpu0 === undefined) this.cpu0 = cpu;
    else if (this.wallS > 0.05) this.ratio = Math.min(this.maxRatio, Math.max(0, (cpu - this.cpu0) / this.wallS));
  }

  /** Account `wallS` seconds of batch work and return the CPU seconds it is estimated to have used. */
  cpuFor(wallS: number): number {
    this.wallS += wallS;
    return wallS * this.ratio;
  }
}
