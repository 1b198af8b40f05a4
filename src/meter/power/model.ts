/**
 * The power model used where no energy counter is readable (VMs, containers, macOS without sudo).
 * Constants follow CodeCarbon so figures are comparable; docs/meter.md explains each choice.
 */

/** RAM power per GiB held: 3 W per 8 GB (CodeCarbon v2, eco2AI). */
export const RAM_W_PER_GIB = 0.375;
export const GIB = 1024 ** 3;

/** Idle fraction of TDP in CodeCarbon's load curve. */
export const IDLE_FRACTION = 0.1;

/**
 * Machine scope: P = TDP x (0.1 + 0.9 x load^3), load in [0, 1] over all visible CPUs
 * (CodeCarbon's CPU load curve: a tenth of TDP at idle, all of it at full load).
 */
export function machineCpuPowerW(tdpW: number, load: number): number {
  const l = Math.min(1, Math.max(0, load));
  return tdpW * (IDLE_FRACTION + (1 - IDLE_FRACTION) * l ** 3);
}

/**
 * Process scope: P = TDP x (CPU-time delta of the process tree / wall delta) / n_cpus. Integrated
 * over time this is exactly (TDP / n_cpus) x CPU seconds, so the energy needs no sampling at all:
 * E = wattsPerThread x cpuSeconds.
 */
export function processCpuEnergyJ(wattsPerThread: number, cpuSeconds: number): number {
  return wattsPerThread * Math.max(0, cpuSeconds);
}

/** Mean process-scope CPU power over a window (the same formula, as power). */
export function processCpuPowerW(tdpW: number, cpuSecondsDelta: number, wallSecondsDelta: number, nCpus: number): number {
  if (wallSecondsDelta <= 0) return 0;
  return (tdpW * (cpuSecondsDelta / wallSecondsDelta)) / nCpus;
}

/** RAM power for `bytes` held: 0.375 W per GiB. */
export function ramPowerW(bytes: number): number {
  return (Math.max(0, bytes) / GIB) * RAM_W_PER_GIB;
}
