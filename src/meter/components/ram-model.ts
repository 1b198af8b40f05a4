/**
 * RAM energy from the memory model (method modelled:ram): 0.375 W per GiB held. Process scope
 * integrates the target's resident memory over the samples (trapezoid rule); machine scope bills
 * the machine's memory (or its cgroup limit) for the whole window.
 */
import type { ComponentMeter } from './component.js';
import type { TrackedTarget } from './target.js';
import { ramPowerW, GIB, RAM_W_PER_GIB } from '../power/model.js';

export class ProcessRam implements ComponentMeter {
  readonly component = 'ram' as const;
  readonly method = 'modelled:ram' as const;
  readonly detail: string;
  private accJ = 0;
  private byteSeconds = 0;
  private last: { t: number; bytes: number };
  private readonly startT: number;
  peakBytes: number;

  constructor(private readonly target: TrackedTarget, nowMs: number) {
    const bytes = target.rssBytes();
    this.last = { t: nowMs, bytes };
    this.startT = nowMs;
    this.peakBytes = bytes;
    this.detail = `process scope: ${RAM_W_PER_GIB} W/GiB x resident memory of ${target.description}`;
  }

  sample(nowMs: number): void {
    let bytes = this.target.rssBytes();
    // 0 means the tracked tree has exited since the last sample: it held the last reading until then.
    if (bytes === 0) bytes = this.last.bytes;
    const dt = (nowMs - this.last.t) / 1000;
    if (dt > 0) {
      const mean = (this.last.bytes + bytes) / 2;
      this.accJ += ramPowerW(mean) * dt;
      this.byteSeconds += mean * dt;
    }
    // A process that has exited holds nothing: keep the last non-zero reading as the peak only.
    this.peakBytes = Math.max(this.peakBytes, bytes);
    this.last = { t: nowMs, bytes };
  }

  energyJ(nowMs: number): number {
    const dt = Math.max(0, (nowMs - this.last.t) / 1000);
    return this.accJ + ramPowerW(this.last.bytes) * dt;
  }

  /** Mean resident memory since start, bytes (the last reading if no interval has passed). */
  meanBytes(nowMs: number): number {
    const span = (nowMs - this.startT) / 1000;
    return span > 0 && this.byteSeconds > 0 ? this.byteSeconds / span : this.last.bytes;
  }
}

export class MachineRam implements ComponentMeter {
  readonly component = 'ram' as const;
  readonly method = 'modelled:ram' as const;
  readonly detail: string;
  private readonly powerW: number;

  constructor(readonly bytes: number, memDetail: string, private readonly startMs: number) {
    this.powerW = ramPowerW(bytes);
    this.detail = `machine scope: ${RAM_W_PER_GIB} W/GiB x ${(bytes / GIB).toFixed(1)} GiB (${memDetail}) = ${this.powerW.toFixed(2)} W`;
  }

  sample(): void {}

  energyJ(nowMs: number): number {
    return this.powerW * Math.max(0, (nowMs - this.startMs) / 1000);
  }
}
