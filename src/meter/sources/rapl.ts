/**
 * Linux powercap RAPL counters (Intel, and AMD through the same intel-rapl interface).
 *
 * Zones: /sys/class/powercap/intel-rapl:N is a package (name "package-N"), or "psys" (the whole
 * platform, which contains the packages); its sub-zones intel-rapl:N:M are "core" and "uncore"
 * (inside the package: never added to it) and "dram" (memory, a separate domain). So CPU energy
 * is the sum of the package zones and RAM energy the sum of the dram zones; core, uncore and psys
 * are listed but not summed.
 *
 * energy_uj is a counter in microjoules that wraps at max_energy_range_uj: a smaller reading than
 * the previous one means it wrapped once (the tracker samples far more often than the ~minutes a
 * wrap takes). Since Linux 5.10 energy_uj is readable by root only (CVE-2020-8694, "Platypus").
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type RaplRole = 'package' | 'dram' | 'core' | 'uncore' | 'psys' | 'other';

export interface RaplZone {
  /** e.g. "intel-rapl:0" or "intel-rapl:0:2". */
  id: string;
  dir: string;
  name: string;
  role: RaplRole;
  /** True for a sub-zone (intel-rapl:N:M). */
  isSubZone: boolean;
  maxEnergyRangeUj: number;
  readable: boolean;
  /** Why energy_uj cannot be read (permission, missing file). */
  error?: string;
}

export const RAPL_ROOT_ONLY_FIX =
  'energy_uj is readable by root only since Linux 5.10 (CVE-2020-8694); fix: `sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj` (until reboot; a udev rule makes it permanent) or run as root';

function roleOf(name: string): RaplRole {
  if (/^package/.test(name)) return 'package';
  if (name === 'dram') return 'dram';
  if (name === 'core' || name === 'uncore' || name === 'psys') return name;
  return 'other';
}

export interface RaplDiscovery {
  zones: RaplZone[];
  /** Set when there is no powercap interface at all. */
  unavailable?: string;
}

/** Reads a sysfs file; tests inject one that fails like a root-only file does for a normal user. */
export type TextReader = (path: string) => string;
const readText: TextReader = (p) => readFileSync(p, 'utf8');

export function discoverRapl(sysfsRoot = '/sys', read: TextReader = readText): RaplDiscovery {
  const base = join(sysfsRoot, 'class', 'powercap');
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch {
    return {
      zones: [],
      unavailable: `no ${base}: this kernel exposes no powercap interface${underHypervisor() ? ' (this is a virtual machine: hypervisors such as KVM do not pass RAPL to guests)' : ' (usual on VMs, in containers without /sys, and on macOS)'}`,
    };
  }
  const zones: RaplZone[] = [];
  for (const id of entries.filter((e) => /^(intel|amd)-rapl:\d+(:\d+)?$/.test(e)).sort()) {
    const dir = join(base, id);
    let name = id;
    try {
      name = read(join(dir, 'name')).trim();
    } catch {
      // keep the id as its name
    }
    let maxEnergyRangeUj = 0;
    try {
      maxEnergyRangeUj = Number(read(join(dir, 'max_energy_range_uj')).trim());
    } catch {
      // without it a wrap cannot be folded; a reading going backwards then counts 0
    }
    let readable = true;
    let error: string | undefined;
    try {
      const v = read(join(dir, 'energy_uj')).trim();
      if (!/^\d+$/.test(v)) throw Object.assign(new Error(`not a counter: "${v.slice(0, 20)}"`), { code: 'EINVAL' });
    } catch (err) {
      readable = false;
      const code = (err as NodeJS.ErrnoException).code;
      error = code === 'EACCES' || code === 'EPERM' ? `${join(dir, 'energy_uj')}: permission denied; ${RAPL_ROOT_ONLY_FIX}` : `${join(dir, 'energy_uj')}: ${code ?? (err as Error).message}`;
    }
    zones.push({ id, dir, name, role: roleOf(name), isSubZone: id.split(':').length === 3, maxEnergyRangeUj, readable, error });
  }
  if (zones.length === 0) return { zones, unavailable: `${base} has no intel-rapl zones` };
  return { zones };
}

/** The zones to sum for CPU (packages) and RAM (dram); core, uncore and psys are never summed. */
export function zonesToSum(zones: RaplZone[]): { cpu: RaplZone[]; dram: RaplZone[] } {
  return {
    cpu: zones.filter((z) => z.role === 'package' && !z.isSubZone),
    dram: zones.filter((z) => z.role === 'dram'),
  };
}

/** Energy between two counter readings, folding one wrap-around at max_energy_range_uj. */
export function counterDeltaUj(previous: number, current: number, maxRangeUj: number): number {
  if (current >= previous) return current - previous;
  return maxRangeUj > 0 ? maxRangeUj - previous + current : 0;
}

/** One zone's counter, unwrapped into a running total since construction. */
export class RaplCounter {
  private last: number;
  private totalUjSoFar = 0;

  constructor(readonly zone: RaplZone) {
    this.last = this.raw();
  }

  private raw(): number {
    return Number(readFileSync(join(this.zone.dir, 'energy_uj'), 'utf8').trim());
  }

  /** Microjoules since construction (reads the counter and folds any wrap). */
  totalUj(): number {
    const now = this.raw();
    this.totalUjSoFar += counterDeltaUj(this.last, now, this.zone.maxEnergyRangeUj);
    this.last = now;
    return this.totalUjSoFar;
  }
}

/** True when /proc/cpuinfo carries the "hypervisor" flag (running as a VM guest). */
export function underHypervisor(procRoot = '/proc'): boolean {
  try {
    return /^flags\s*:.*\bhypervisor\b/m.test(readFileSync(`${procRoot}/cpuinfo`, 'utf8'));
  } catch {
    return false;
  }
}
