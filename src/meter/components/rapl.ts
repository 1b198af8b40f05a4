/**
 * CPU (package zones) or RAM (dram zones) energy from RAPL counters (method measured:rapl).
 * Machine scope: the counters' sum. Process scope (CPU only): each interval's package energy times
 * the target's share of the machine's busy CPU time in that interval — the measured energy
 * attributed by CPU time, as Scaphandre and Kepler do; the detail says so.
 */
import type { ComponentMeter } from './component.js';
import type { TrackedTarget } from './target.js';
import { RaplCounter, type RaplZone } from '../sources/rapl.js';
import { machineCpuTimes } from '../sources/proc.js';

interface ShareState {
  e: number;
  cpu: number;
  busy: number;
}

export class RaplEnergy implements ComponentMeter {
  readonly method = 'measured:rapl' as const;
  readonly detail: string;
  readonly apportioned?: 'attributed by CPU time';
  private readonly counters: RaplCounter[];
  private accJ = 0;
  private last?: ShareState;

  constructor(
    readonly component: 'cpu' | 'ram',
    zones: RaplZone[],
    private readonly share?: { target: TrackedTarget; procRoot: string },
  ) {
    this.counters = zones.map((z) => new RaplCounter(z));
    const names = zones.map((z) => `${z.id} (${z.name})`).join(' + ');
    this.detail = share
      ? `${names}, attributed by the share of machine CPU time used by ${share.target.description}`
      : `${names}`;
    if (share) {
      this.apportioned = 'attributed by CPU time';
      this.last = this.state();
    }
  }

  private totalJ(): number {
    let uj = 0;
    for (const c of this.counters) uj += c.totalUj();
    return uj / 1e6;
  }

  private state(): ShareState {
    return { e: this.totalJ(), cpu: this.share!.target.cpuSeconds(), busy: machineCpuTimes(this.share!.procRoot).busyS };
  }

  private pending(): { j: number; s: ShareState } {
    const s = this.state();
    const last = this.last!;
    const busy = s.busy - last.busy;
    const frac = busy > 0 ? Math.min(1, Math.max(0, (s.cpu - last.cpu) / busy)) : 0;
    return { j: (s.e - last.e) * frac, s };
  }

  sample(): void {
    if (!this.share) {
      this.totalJ(); // fold wrap-arounds
      return;
    }
    const p = this.pending();
    this.accJ += p.j;
    this.last = p.s;
  }

  energyJ(): number {
    if (!this.share) return this.totalJ();
    return this.accJ + this.pending().j;
  }
}
