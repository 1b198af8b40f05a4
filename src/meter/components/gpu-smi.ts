/**
 * GPU energy from nvidia-smi power.draw samples (method measured:nvidia-smi), integrated with the
 * trapezoid rule; used only when NVML cannot be loaded. GPUs that report no power or 0 W are left
 * out and said so.
 */
import type { ComponentMeter } from './component.js';
import { querySmi, type SmiReading } from '../sources/nvidia-smi.js';

interface DeviceState {
  index: number;
  accJ: number;
  lastW: number;
  lastT: number;
}

export class SmiGpu implements ComponentMeter {
  readonly component = 'gpu' as const;
  readonly method = 'measured:nvidia-smi' as const;
  /** NVIDIA's counters are per device: other processes' work on the GPU is in the figure. */
  readonly apportioned = 'whole device' as const;
  readonly detail: string;
  private readonly devices: DeviceState[];

  constructor(
    private readonly executable: string,
    private readonly env: NodeJS.ProcessEnv,
    tracked: SmiReading[],
    leftOut: SmiReading[],
    nowMs: number,
    note: string,
  ) {
    this.devices = tracked.map((g) => ({ index: g.index, accJ: 0, lastW: g.powerW ?? 0, lastT: nowMs }));
    const parts = tracked.map((g) => `GPU ${g.index} ${g.name}: power.draw sampled and integrated`);
    for (const g of leftOut) {
      parts.push(`GPU ${g.index} ${g.name}: reports ${g.powerW === undefined ? 'no power reading' : '0 W'} (virtual GPU or unsupported sensor): left out, not counted as 0 J`);
    }
    if (note) parts.push(note);
    this.detail = parts.join('; ');
  }

  get count(): number {
    return this.devices.length;
  }

  /** The reading's own time (after the spawn returns) is used, not the tick's. */
  async sample(): Promise<void> {
    const readings = await querySmi(this.executable, this.env);
    const t = Date.now();
    for (const d of this.devices) {
      const w = readings.find((r) => r.index === d.index)?.powerW ?? d.lastW;
      d.accJ += ((d.lastW + w) / 2) * Math.max(0, (t - d.lastT) / 1000);
      d.lastW = w;
      d.lastT = t;
    }
  }

  energyJ(nowMs: number): number {
    let j = 0;
    for (const d of this.devices) j += d.accJ + d.lastW * Math.max(0, (nowMs - d.lastT) / 1000);
    return j;
  }
}
