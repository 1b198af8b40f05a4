/**
 * CPU energy from the TDP power model (method modelled:tdp), see power/model.ts.
 * Process scope needs no sampling: E = watts per thread x CPU seconds of the target.
 * Machine scope integrates TDP x (0.1 + 0.9 load^3) over the sampling intervals.
 */
import type { ComponentMeter } from './component.js';
import type { TrackedTarget } from './target.js';
import type { CpuPowerSpec } from '../sources/cpu-model.js';
import { machineCpuPowerW, processCpuEnergyJ } from '../power/model.js';
import { loadBetween, machineCpuTimes, type MachineCpuTimes } from '../sources/proc.js';

export class ProcessTdpCpu implements ComponentMeter {
  readonly component = 'cpu' as const;
  readonly method = 'modelled:tdp' as const;
  readonly detail: string;
  private readonly baseCpuS: number;

  constructor(private readonly spec: CpuPowerSpec, private readonly target: TrackedTarget) {
    this.baseCpuS = target.baselineCpuS ?? target.cpuSeconds();
    this.detail = `process scope: ${spec.wattsPerThread.toFixed(2)} W per busy thread x CPU seconds of ${target.description}; ${spec.detail}`;
  }

  /** CPU seconds the target used since start. */
  cpuSecondsSinceStart(): number {
    return Math.max(0, this.target.cpuSeconds() - this.baseCpuS);
  }

  sample(): void {
    // Nothing to integrate: the energy follows from cumulative CPU time.
  }

  energyJ(): number {
    return processCpuEnergyJ(this.spec.wattsPerThread, this.cpuSecondsSinceStart());
  }
}

export class MachineTdpCpu implements ComponentMeter {
  readonly component = 'cpu' as const;
  readonly method = 'modelled:tdp' as const;
  readonly detail: string;
  private accJ = 0;
  private last: { t: number; times: MachineCpuTimes };
  private readonly first: MachineCpuTimes;

  constructor(private readonly spec: CpuPowerSpec, nowMs: number, private readonly procRoot = '/proc') {
    this.first = machineCpuTimes(procRoot);
    this.last = { t: nowMs, times: this.first };
    this.detail = `machine scope: ${spec.tdpW.toFixed(1)} W x (0.1 + 0.9 x load^3); ${spec.detail}`;
  }

  private pending(nowMs: number): { j: number; times: MachineCpuTimes } {
    const times = machineCpuTimes(this.procRoot);
    const dt = (nowMs - this.last.t) / 1000;
    return { j: dt > 0 ? machineCpuPowerW(this.spec.tdpW, loadBetween(this.last.times, times)) * dt : 0, times };
  }

  sample(nowMs: number): void {
    const p = this.pending(nowMs);
    this.accJ += p.j;
    this.last = { t: nowMs, times: p.times };
  }

  energyJ(nowMs: number): number {
    return this.accJ + this.pending(nowMs).j;
  }

  /** Mean machine load since start, 0..1. */
  meanLoad(): number {
    return loadBetween(this.first, machineCpuTimes(this.procRoot));
  }
}
