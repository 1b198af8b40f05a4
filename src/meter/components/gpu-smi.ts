/**
 * GPU energy from nvidia-smi power.draw samples (method measured:nvidia-smi), integrated with the
 * trapezoid rule; used only when NVML cannot be loaded. GPUs that report no power or 0 W are left
 * out and said so.
 */
import type { ComponentMeter } from './component.js';
import { querySmi, type SmiReading } from '../sources/nvidia-smi.js';
import { PowerIntegral } from './power-integral.js';

interface DeviceState {
  index: number;
  power: PowerIntegral;
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
    this.devices = tracked.map((g) => ({ index: g.index, power: new PowerIntegral(g.powerW ?? 0, nowMs) }));
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
      d.power.add(readings.find((r) => r.index === d.index)?.powerW ?? d.power.lastWatts, t);
    }
  }

  energyJ(nowMs: number): number {
    let j = 0;
    for (const d of this.devices) j += d.power.energyJ(nowMs);
    return j;
  }
}
