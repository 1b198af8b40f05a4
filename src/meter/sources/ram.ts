/**
 * Memory sizes for the RAM model. Process scope uses what the tracked process(es) actually hold
 * (resident set size); machine scope uses the machine's memory — but a container sees the host's
 * memory in /proc/meminfo, so a cgroup v2 memory.max limit, when lower, is used instead.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

export interface MachineMemory {
  bytes: number;
  detail: string;
}

export function machineMemory(sysfsRoot = '/sys'): MachineMemory {
  const total = totalmem();
  try {
    const limit = readFileSync(`${sysfsRoot}/fs/cgroup/memory.max`, 'utf8').trim();
    if (limit !== 'max' && Number(limit) > 0 && Number(limit) < total) {
      return { bytes: Number(limit), detail: `cgroup memory.max ${(Number(limit) / 1024 ** 3).toFixed(1)} GiB (host has ${(total / 1024 ** 3).toFixed(1)} GiB)` };
    }
  } catch {
    // no cgroup v2 limit readable: the machine's memory it is
  }
  return { bytes: total, detail: `total memory ${(total / 1024 ** 3).toFixed(1)} GiB` };
}

/** Resident set size of this Node process (all its threads, workers included). */
export function selfRssBytes(): number {
  return process.memoryUsage.rss();
}
