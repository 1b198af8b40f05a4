/**
 * A queue worker's energy per job. One Tracker measures the worker process for its whole life;
 * at every job start and end the energy since the previous event is split equally over the jobs
 * running in that interval. With --concurrency 1 a job gets exactly the process's energy while it
 * ran; with more, overlapping jobs share it, and the jobs' figures always add up to the process's
 * busy energy (idle time between jobs is in no job).
 */
import type { Tracker } from '../meter/index.js';

export class EnergyLedger {
  private lastJ = 0;
  private readonly active = new Map<string, number>();

  constructor(private readonly tracker: Tracker) {}

  private advance(): void {
    const now = this.tracker.reading().energyJ;
    const delta = Math.max(0, now - this.lastJ);
    this.lastJ = now;
    if (this.active.size === 0) return;
    const share = delta / this.active.size;
    for (const [k, v] of this.active) this.active.set(k, v + share);
  }

  begin(key: string): void {
    this.advance();
    this.active.set(key, 0);
  }

  /** The job's joules, and its method label (the tracker's, e.g. modelled:tdp). */
  end(key: string): { energyJ: number; method: string } {
    this.advance();
    const energyJ = this.active.get(key) ?? 0;
    this.active.delete(key);
    return { energyJ, method: this.tracker.reading().method };
  }
}
