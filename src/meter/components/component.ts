/**
 * One energy-reporting component of a tracker (CPU, RAM or a GPU set), whatever its source.
 * The tracker calls sample() every interval and energyJ() whenever it needs a figure (a span's
 * end, reading(), stop()); energyJ must be cheap and synchronous.
 */
import type { Component, EnergyMethod } from '../types.js';
import type { Apportioning } from '../method-label.js';

export interface ComponentMeter {
  readonly component: Component;
  readonly method: EnergyMethod;
  /** Set when the figure is a share of a device counter or a whole device (see method-label.ts). */
  readonly apportioned?: Apportioning;
  /** How the figure is obtained (CPU model and TDP, RAPL zones summed, GPUs and why some are left out). */
  readonly detail: string;
  /** Periodic update: integrate power, fold counter wrap-arounds. */
  sample(nowMs: number): void | Promise<void>;
  /** Energy in joules (before PUE) since the tracker started, as of nowMs. */
  energyJ(nowMs: number): number;
  close?(): void | Promise<void>;
}
