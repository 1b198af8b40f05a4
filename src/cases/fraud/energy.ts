/**
 * Every figure in the fraud case comes through here: run a piece of work under the meter
 * (process scope: this process and the child processes it has reaped, so federated clients count)
 * and keep the energy with its method and the wall time.
 */
import { measure } from '../../meter/index.js';
import type { EnergyReport } from '../../meter/types.js';

export interface Metered<T> {
  result: T;
  energyJ: number;
  durationS: number;
  method: string;
  report: EnergyReport;
}

export interface MeterContext {
  country?: string;
}

export async function metered<T>(ctx: MeterContext, fn: () => Promise<T> | T): Promise<Metered<T>> {
  const { result, energy } = await measure(fn, { scope: 'process', country: ctx.country, intervalMs: 200, projectName: 'verde-fraud' });
  return { result, energyJ: energy.energyJ, durationS: energy.durationS, method: energy.method, report: energy };
}
