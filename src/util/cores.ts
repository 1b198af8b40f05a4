/**
 * How many cores this process may really use: the CPUs it may run on (availableParallelism), capped
 * by a cgroup v2 CPU quota. Node 20's libuv does not read quotas (it does from 1.49), so in a
 * container limited to 2 CPUs on a 64-core host availableParallelism() says 64.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Cores allowed by /sys/fs/cgroup/cpu.max ("<quota> <period>", or "max <period>"), rounded up; null when unlimited or unreadable. */
export function cgroupCpuLimit(sysfsRoot = '/sys'): number | null {
  try {
    const [quota, period] = readFileSync(`${sysfsRoot}/fs/cgroup/cpu.max`, 'utf8').trim().split(/\s+/);
    const q = Number(quota);
    const p = Number(period);
    if (quota === 'max' || !(q > 0) || !(p > 0)) return null;
    return Math.max(1, Math.ceil(q / p));
  } catch {
    return null;
  }
}

export function usableCores(sysfsRoot = '/sys'): number {
  return Math.min(availableParallelism(), cgroupCpuLimit(sysfsRoot) ?? Infinity);
}
