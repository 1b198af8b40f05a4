/**
 * Energy per request (guide §3.4.4): one meter Tracker runs for the server's life, and the
 * process's energy is split so that it adds up:
 *
 * - each answered row is charged its own inference compute: the CPU seconds its inference worker
 *   thread spent on it (each early-exit stage split over the rows that ran it; a cascade row pays
 *   for the large model only when the large model ran it) times the process's CPU joules per CPU
 *   second over the batch's window. Concurrent batches of other models are not charged the same
 *   joules twice: each pays for its own thread's time. A cache hit costs no inference: zero.
 * - the rest is reported as its own parts in /metrics: CPU outside the batches (HTTP handling,
 *   JSON, batching, idle wake-ups), memory held, and the GPU as a whole device.
 *
 * Charges are labelled "<cpu method>, attributed by CPU time" (methodLabel): a share, not a reading.
 */
import type { MeterOptions } from '../meter/options.js';
import type { SpanReport } from '../meter/types.js';
import { methodLabel } from '../meter/method-label.js';

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
  reading?(): { components: Array<{ component: string; energyJ: number }> };
}

/**
 * The meter's Tracker keeps every span report it has made; a server that runs for days would grow
 * without bound, so the accountant moves to a fresh Tracker every ROTATE_AFTER spans (between
 * batches, when no span is open), carrying the process total over.
 */
const ROTATE_AFTER = 5_000;

/** One part of the process's energy, for /metrics: what the parts add up to is the process total. */
export interface EnergyPart {
  part: 'batches' | 'cpu-outside-batches' | 'memory-held' | 'gpu-whole-device';
  component: 'cpu' | 'ram' | 'gpu';
  energyJ: number;
  method: string;
}

/** Prices a batch's rows by the CPU seconds each used. */
export type ChargeByCpu = (cpuS: number) => Energy;

function processCpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export class EnergyAccountant {
  private tracker: TrackerLike | null = null;
  private window: { end(): Promise<SpanReport> } | null = null;
  private processTotal: Energy = NO_ENERGY;
  /** Process energy by component since start (PUE applied), for the parts. */
  private byComponent = { cpu: 0, ram: 0, gpu: 0 };
  private componentMethods: Record<'cpu' | 'ram' | 'gpu', string> = { cpu: 'none', ram: 'none', gpu: 'none' };
  /** Everything charged to rows so far (PUE applied). */
  private chargedJ = 0;
  private chargeMethod = 'none';
  /** Last CPU joules per CPU second and carbon per joule seen, for a window too short to price itself. */
  private lastRate = { jPerCpuS: 0, co2PerJ: 0 };
  private windows = { j: 0, cpuS: 0 };
  private cpuAtStart = 0;

  /** CPU joules per CPU second over the server's life so far (the tracker's running reading). */
  private lifeRate(): number {
    const r = this.tracker?.reading?.();
    const cpu = r?.components.find((c) => c.component === 'cpu');
    const dCpu = processCpuS() - this.cpuAtStart;
    return cpu && dCpu > 0 ? (cpu.energyJ * (this.options.pue ?? 1)) / dCpu : 0;
  }
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
    this.cpuAtStart = processCpuS();
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
    const pue = this.options.pue ?? 1;
    for (const c of r.components) {
      this.byComponent[c.component] += c.energyJ * pue;
      if (c.method !== 'none') this.componentMethods[c.component] = c.methodLabel ?? c.method;
    }
  }

  /**
   * The process's energy in parts that add up to it: what was charged to rows, the rest of the
   * CPU energy (HTTP handling, JSON, batching, idle), memory held, the GPU as a whole device.
   * Call after processEnergy(), which brings the totals up to date.
   */
  parts(): EnergyPart[] {
    const m = this.componentMethods;
    return [
      { part: 'batches', component: 'cpu', energyJ: this.chargedJ, method: this.chargeMethod },
      { part: 'cpu-outside-batches', component: 'cpu', energyJ: this.byComponent.cpu - this.chargedJ, method: m.cpu },
      { part: 'memory-held', component: 'ram', energyJ: this.byComponent.ram, method: m.ram },
      { part: 'gpu-whole-device', component: 'gpu', energyJ: this.byComponent.gpu, method: m.gpu },
    ];
  }

  /** The process's energy by component (PUE applied) with each one's method; call after processEnergy(). */
  components(): Array<{ component: 'cpu' | 'ram' | 'gpu'; energyJ: number; method: string }> {
    return (['cpu', 'ram', 'gpu'] as const).map((c) => ({ component: c, energyJ: this.byComponent[c], method: this.componentMethods[c] }));
  }

  /**
   * Run `fn` (one batch) inside a span; return its result and a price: the process's CPU joules per
   * CPU second over the batch's window, which the caller applies to each row's own CPU seconds.
   */
  async measure<T>(name: string, fn: () => Promise<T>): Promise<{ result: T; charge: ChargeByCpu }> {
    if (this.rotating) await this.rotating;
    if (!this.tracker) throw new Error('energy accountant not started');
    const cpu0 = processCpuS();
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
      return { result, charge: this.priceOf(report, processCpuS() - cpu0) };
    } finally {
      this.open--;
      this.maybeRotate();
    }
  }

  private priceOf(report: SpanReport, dCpuS: number): ChargeByCpu {
    const cpu = report.components.find((c) => c.component === 'cpu');
    const cpuJ = (cpu?.energyJ ?? 0) * (this.options.pue ?? 1);
    // Below a millisecond of process CPU a window's own ratio is mostly rounding: use the ratio
    // over every batch window so far, or, before there is one, over the server's life.
    this.windows.j += cpuJ;
    this.windows.cpuS += Math.max(0, dCpuS);
    if (dCpuS > 1e-3 && cpuJ > 0) this.lastRate.jPerCpuS = cpuJ / dCpuS;
    else if (this.windows.cpuS > 1e-3 && this.windows.j > 0) this.lastRate.jPerCpuS = this.windows.j / this.windows.cpuS;
    else if (this.lastRate.jPerCpuS === 0) this.lastRate.jPerCpuS = this.lifeRate();
    if (report.energyJ > 0) this.lastRate.co2PerJ = report.co2eGrams / report.energyJ;
    const { jPerCpuS, co2PerJ } = this.lastRate;
    const method = cpu && cpu.method !== 'none' ? methodLabel(cpu.method, 'attributed by CPU time') : 'none';
    this.chargeMethod = method;
    return (cpuS) => {
      const energyJ = Math.max(0, cpuS) * jPerCpuS;
      this.chargedJ += energyJ;
      return { energyJ, co2eGrams: energyJ * co2PerJ, method };
    };
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

