/**
 * Energy per request (guide §3.4.4): one meter Tracker runs for the server's life; every batch is
 * a span, and the span's energy and carbon are split evenly across the batch's instances (each
 * instance in a padded batch costs the same compute). A request's figure is the sum over its
 * instances; a cache hit costs no inference and is charged zero.
 */
import type { MeterOptions } from '../meter/options.js';
import type { SpanReport } from '../meter/types.js';

export interface Energy {
  energyJ: number;
  co2eGrams: number;
  /** How the figure was obtained (the meter's method string, e.g. "modelled:tdp"). */
  method: string;
}

export const NO_ENERGY: Energy = { energyJ: 0, co2eGrams: 0, method: 'none' };

/** Sum of energies; the method lists each distinct method once, joined with "+". */
export function addEnergy(a: Energy, b: Energy): Energy {
  if (a.method === 'none') return b.method === 'none' ? { ...a, energyJ: a.energyJ + b.energyJ, co2eGrams: a.co2eGrams + b.co2eGrams } : { ...b, energyJ: a.energyJ + b.energyJ, co2eGrams: a.co2eGrams + b.co2eGrams };
  const methods = new Set([...a.method.split('+'), ...(b.method === 'none' ? [] : b.method.split('+'))]);
  return { energyJ: a.energyJ + b.energyJ, co2eGrams: a.co2eGrams + b.co2eGrams, method: [...methods].join('+') };
}

interface TrackerLike {
  start(): Promise<void>;
  startSpan(name: string): { end(): Promise<SpanReport> };
  stop(): Promise<unknown>;
}

/**
 * The meter's Tracker keeps every span report it has made; a server that runs for days would grow
 * without bound, so the accountant moves to a fresh Tracker every ROTATE_AFTER spans (between
 * batches, when no span is open), carrying the process total over.
 */
const ROTATE_AFTER = 5_000;

export class EnergyAccountant {
  private tracker: TrackerLike | null = null;
  private window: { end(): Promise<SpanReport> } | null = null;
  private processTotal: Energy = NO_ENERGY;
  private spansOnTracker = 0;
  private open = 0;
  private rotating: Promise<void> | null = null;
  constructor(private readonly options: MeterOptions) {}

  private async newTracker(): Promise<TrackerLike> {
    const { Tracker } = await import('../meter/index.js');
    const t = new Tracker({ scope: 'process', projectName: 'verde-serve', ...this.options }) as unknown as TrackerLike;
    await t.start();
    return t;
  }

  async start(): Promise<void> {
    this.tracker = await this.newTracker();
    this.window = this.tracker.startSpan('serve:process');
  }

  /**
   * The whole server process's energy since start (HTTP handling and idle included, not only the
   * batches): what a bench divides by the requests served for an honest J/request.
   */
  async processEnergy(): Promise<Energy> {
    if (!this.tracker) return this.processTotal;
    await this.closeWindow();
    this.window = this.tracker.startSpan('serve:process');
    this.spansOnTracker++;
    return this.processTotal;
  }

  private async closeWindow(): Promise<void> {
    const r = await this.window!.end();
    this.processTotal = addEnergy(this.processTotal, { energyJ: r.energyJ, co2eGrams: r.co2eGrams, method: r.method });
  }

  /** Run `fn` (one batch) inside a span and return its result with the span's energy. */
  async measure<T>(name: string, fn: () => Promise<T>): Promise<{ result: T; energy: Energy }> {
    if (this.rotating) await this.rotating;
    if (!this.tracker) throw new Error('energy accountant not started');
    const span = this.tracker.startSpan(name);
    this.open++;
    this.spansOnTracker++;
    try {
      let result: T;
      try {
        result = await fn();
      } catch (err) {
        await span.end().catch(() => undefined);
        throw err;
      }
      const report = await span.end();
      return { result, energy: { energyJ: report.energyJ, co2eGrams: report.co2eGrams, method: report.method } };
    } finally {
      this.open--;
      this.maybeRotate();
    }
  }

  private maybeRotate(): void {
    if (this.open > 0 || this.rotating || !this.tracker || this.spansOnTracker < ROTATE_AFTER) return;
    this.rotating = (async () => {
      const fresh = await this.newTracker();
      const old = this.tracker!;
      await this.closeWindow();
      this.tracker = fresh;
      this.window = fresh.startSpan('serve:process');
      this.spansOnTracker = 0;
      await old.stop();
    })()
      .catch(() => {
        // Keep the current tracker (it only grows); try again after another ROTATE_AFTER spans.
        this.spansOnTracker = 0;
      })
      .finally(() => {
        this.rotating = null;
      });
  }

  async stop(): Promise<void> {
    if (this.rotating) await this.rotating;
    if (!this.tracker) return;
    await this.closeWindow();
    await this.tracker.stop();
    this.tracker = null;
  }
}

/** Split a batch's energy evenly over its `n` instances. */
export function shareOf(e: Energy, n: number): Energy {
  return { energyJ: e.energyJ / n, co2eGrams: e.co2eGrams / n, method: e.method };
}
