/**
 * GPU energy through NVML (method measured:nvml). Per visible GPU: the total-energy counter where
 * it works (Volta and newer; exact, no sampling error), else nvmlDeviceGetPowerUsage sampled every
 * interval and integrated (trapezoid rule). A GPU whose counter and power both read 0 or are
 * unsupported (virtual GPUs, some older boards) is left out and said so — never summed as 0 J.
 */
import type { ComponentMeter } from './component.js';
import type { NvmlBinding } from '../sources/nvml.js';
import type { GpuIdentity } from '../sources/cuda-visible.js';
import { PowerIntegral } from './power-integral.js';

/** A GPU read by its energy counter (from `baseMj`), or by its power integrated over the samples. */
type DeviceState = { gpu: GpuIdentity; mode: 'counter'; baseMj: number } | { gpu: GpuIdentity; mode: 'power'; power: PowerIntegral };

export interface GpuProbe {
  gpu: GpuIdentity;
  /** How it will be measured, or why it is left out. */
  mode: 'counter' | 'power' | 'zero';
  reason: string;
}

/** Decide, per GPU, counter vs power vs left out — shared with `verde detect`. */
export function probeNvmlDevice(nvml: NvmlBinding, gpu: GpuIdentity): GpuProbe {
  const mj = nvml.totalEnergyMj(gpu.index);
  const mw = nvml.powerMw(gpu.index);
  if (mj !== undefined && mj > 0) return { gpu, mode: 'counter', reason: 'total energy counter (mJ)' };
  if (mw !== undefined && mw > 0) {
    return { gpu, mode: 'power', reason: `power sampled and integrated (energy counter ${mj === undefined ? 'unsupported' : 'reads 0'})` };
  }
  return {
    gpu,
    mode: 'zero',
    reason: `reports ${mj === undefined ? 'no energy counter' : '0 mJ'} and ${mw === undefined ? 'no power reading' : '0 W'} (virtual GPU or unsupported sensor): left out, not counted as 0 J`,
  };
}

export class NvmlGpu implements ComponentMeter {
  readonly component = 'gpu' as const;
  readonly method = 'measured:nvml' as const;
  /** NVIDIA's counters are per device: other processes' work on the GPU is in the figure. */
  readonly apportioned = 'whole device' as const;
  readonly detail: string;
  private readonly devices: DeviceState[];

  /** ownsBinding: shut NVML down on close() only when this meter loaded it (not a caller's binding). */
  constructor(private readonly nvml: NvmlBinding, probes: GpuProbe[], nowMs: number, note: string, private readonly ownsBinding = true) {
    this.devices = probes
      .filter((p) => p.mode !== 'zero')
      .map((p): DeviceState =>
        p.mode === 'counter'
          ? { gpu: p.gpu, mode: 'counter', baseMj: nvml.totalEnergyMj(p.gpu.index) ?? 0 }
          : { gpu: p.gpu, mode: 'power', power: new PowerIntegral((nvml.powerMw(p.gpu.index) ?? 0) / 1000, nowMs) },
      );
    const parts = probes.map((p) => `GPU ${p.gpu.index} ${p.gpu.name}: ${p.reason}`);
    if (note) parts.push(note);
    this.detail = parts.join('; ');
  }

  get count(): number {
    return this.devices.length;
  }

  sample(nowMs: number): void {
    for (const d of this.devices) {
      if (d.mode === 'power') d.power.add((this.nvml.powerMw(d.gpu.index) ?? 0) / 1000, nowMs);
    }
  }

  energyJ(nowMs: number): number {
    let j = 0;
    for (const d of this.devices) {
      if (d.mode === 'counter') {
        const mj = this.nvml.totalEnergyMj(d.gpu.index);
        j += mj !== undefined ? Math.max(0, mj - d.baseMj) / 1000 : 0;
      } else {
        j += d.power.energyJ(nowMs);
      }
    }
    return j;
  }

  close(): void {
    if (!this.ownsBinding) return;
    try {
      this.nvml.shutdown();
    } catch {
      // shutting down is best effort
    }
  }
}
