/**
 * Every figure in the fraud case comes through here: run a piece of work under the meter
 * (process scope: this process, its live descendants and the children it has reaped, so federated
 * clients count) and keep the energy with its method and the wall time.
 *
 * The whole run is also split into phases (data, baseline, each technique) on one tracker, so the
 * case can show a breakdown that adds up: phases + unattributed = the run's total. The ledger adds
 * up the outermost metered figures of each phase, which must fit inside it.
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

/** Sums the energy of the outermost metered() calls (one nested inside another is not counted twice). */
export class MeteredLedger {
  private depth = 0;
  joules = 0;
  enter(): boolean {
    return this.depth++ === 0;
  }
  leave(outermost: boolean, j: number): void {
    this.depth--;
    if (outermost) this.joules += j;
  }
}

export interface MeterContext {
  country?: string;
  ledger?: MeteredLedger;
}

export async function metered<T>(ctx: MeterContext, fn: () => Promise<T> | T): Promise<Metered<T>> {
  const outermost = ctx.ledger?.enter() ?? false;
  let j = 0;
  try {
    const { result, energy } = await measure(fn, { scope: 'process', country: ctx.country, intervalMs: 200, projectName: 'verde-fraud' });
    j = energy.energyJ;
    return { result, energyJ: energy.energyJ, durationS: energy.durationS, method: energy.method, report: energy };
  } finally {
    ctx.ledger?.leave(outermost, j);
  }
}

/** One phase of the run: its energy on the run's tracker, and how much of it the metered figures inside it cover. */
export interface PhaseEnergy {
  name: string;
  energyJ: number;
  /** Outermost metered figures reported inside this phase (techniques' and models' own figures). */
  meteredJ: number;
  method: string;
}

export interface EnergyBreakdown {
  phases: PhaseEnergy[];
  /** The run's total minus the phases: set-up, writing the results, between phases. */
  unattributedJ: number;
  totalJ: number;
}
