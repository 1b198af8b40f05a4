/**
 * Tracker: start it, open named spans inside it (a pipeline stage, a served batch), read a running
 * total, stop it for the run's EnergyReport. One timer samples the components every intervalMs
 * (unref'd, so it never keeps a process alive); everything else is computed on demand.
 *
 * Spans report the tracked target's energy over the span's window; spans that overlap in time
 * (concurrent requests) each see the whole window, so their sum can exceed the run's total.
 */
import { randomUUID } from 'node:crypto';
import { freemem, platform, release, totalmem } from 'node:os';
import type { ComponentEnergy, EnergyReport, MachineInfo, SpanReport, SpanTotal } from './types.js';
import { resolveOptions, type MeterOptions, type ResolvedOptions } from './options.js';
import { carbonFromTable, resolveCarbon, type CarbonIntensity } from './carbon/lookup.js';
import { buildComponents, type BuiltComponents } from './components/build.js';
import type { ComponentMeter } from './components/component.js';
import { ProcessRam } from './components/ram-model.js';
import { MachineTdpCpu, ProcessTdpCpu } from './components/cpu-tdp.js';
import { GIB } from './power/model.js';
import { SpanUnion, type Mark } from './span-union.js';
import { joinMethodLabels, methodLabel } from './method-label.js';

const J_PER_KWH = 3.6e6;

interface Snapshot {
  t: number;
  perComponentJ: number[];
}

export class Span {
  private report?: SpanReport;
  constructor(
    readonly name: string,
    private readonly tracker: Tracker,
    private readonly start: Snapshot,
  ) {}

  /** Close the span and return its energy; calling end() twice returns the same report. */
  async end(): Promise<SpanReport> {
    this.report ??= this.tracker.spanReport(this.name, this.start, this);
    return this.report;
  }
}

export class Tracker {
  readonly options: ResolvedOptions;
  private carbon: CarbonIntensity;
  private parts?: BuiltComponents;
  private meters: ComponentMeter[] = [];
  private startMs = 0;
  private startedAt = '';
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private readonly spans: SpanReport[] = [];
  private readonly spanTotals = new Map<string, SpanTotal>();
  private readonly notices: string[] = [];
  private readonly union = new SpanUnion();
  private final?: EnergyReport;
  readonly runId: string;

  /** Validates the options (bad values throw a UserError naming the option) and the country code. */
  constructor(opts: MeterOptions = {}) {
    const resolved = resolveOptions(opts);
    const userNotice = resolved.onNotice;
    this.options = {
      ...resolved,
      onNotice: (m) => {
        this.notices.push(m);
        userNotice(m);
      },
    };
    this.carbon = carbonFromTable(this.options);
    this.runId = this.options.runId ?? randomUUID();
  }

  get running(): boolean {
    return this.parts !== undefined && this.final === undefined;
  }

  async start(): Promise<void> {
    if (this.parts) throw new Error('Tracker.start() called twice');
    this.startMs = Date.now();
    this.startedAt = new Date(this.startMs).toISOString();
    this.parts = await buildComponents(this.options, this.startMs);
    this.meters = [this.parts.cpu, this.parts.ram, this.parts.gpu];
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    this.carbon = await resolveCarbon(
      { country: this.options.country, carbonIntensity: this.options.carbonIntensity, env: this.options.env, live: this.options.liveCarbon },
      this.options.onNotice,
    );
  }

  private tick(): void {
    if (this.sampling) return; // a slow (async) sample is still running: skip rather than pile up
    const now = Date.now();
    const pending: Promise<void>[] = [];
    for (const m of this.meters) {
      const r = m.sample(now);
      if (r) pending.push(r);
    }
    if (pending.length > 0) {
      this.sampling = Promise.all(pending).then(
        () => { this.sampling = undefined; },
        (err) => {
          this.sampling = undefined;
          this.options.onNotice(`sampling failed: ${(err as Error).message}`);
        },
      );
    }
  }

  private snapshot(): Snapshot {
    if (!this.parts) throw new Error('Tracker not started: call await tracker.start() first');
    const t = Date.now();
    return { t, perComponentJ: this.meters.map((m) => m.energyJ(t)) };
  }

  startSpan(name: string): Span {
    const start = this.snapshot();
    const span = new Span(name, this, start);
    this.union.opened(span, this.mark(start));
    return span;
  }

  /** Cumulative joules (PUE applied) of a snapshot. */
  private mark(s: Snapshot): Mark {
    return { t: s.t, j: Math.max(0, s.perComponentJ.reduce((a, j) => a + Math.max(0, j), 0)) * this.options.pue };
  }

  /** @internal used by Span.end() */
  spanReport(name: string, start: Snapshot, span?: object): SpanReport {
    const end = this.final ? this.finalSnapshot! : this.snapshot();
    if (span) this.union.closed(span, this.mark(start), this.mark(end));
    const durationS = (end.t - start.t) / 1000;
    const components = this.componentFigures(end.perComponentJ.map((j, i) => j - start.perComponentJ[i]), durationS);
    const energyJ = components.reduce((a, c) => a + c.energyJ, 0) * this.options.pue;
    const report: SpanReport = {
      name,
      startedAt: new Date(start.t).toISOString(),
      durationS,
      energyJ,
      components,
      co2eGrams: (energyJ / J_PER_KWH) * this.carbon.gPerKWh,
      method: methodSummary(components),
    };
    this.spans.push(report);
    if (this.spans.length > this.options.maxSpans) this.spans.splice(0, this.spans.length - this.options.maxSpans);
    const total = this.spanTotals.get(name) ?? { name, count: 0, energyJ: 0, co2eGrams: 0 };
    total.count += 1;
    total.energyJ += report.energyJ;
    total.co2eGrams += report.co2eGrams;
    this.spanTotals.set(name, total);
    return report;
  }

  private finalSnapshot?: Snapshot;

  private componentFigures(joules: number[], durationS: number): ComponentEnergy[] {
    return this.meters.map((m, i) => ({
      component: m.component,
      energyJ: Math.max(0, joules[i]),
      meanPowerW: durationS > 0 ? Math.max(0, joules[i]) / durationS : 0,
      method: m.method,
      ...(m.apportioned ? { apportioned: m.apportioned } : {}),
      methodLabel: methodLabel(m.method, m.apportioned),
      detail: m.detail,
    }));
  }

  /** The running total since start (the final report once stopped). */
  reading(): EnergyReport {
    if (this.final) return this.final;
    return this.buildReport(this.snapshot());
  }

  async stop(): Promise<EnergyReport> {
    if (this.final) return this.final;
    if (!this.parts) throw new Error('Tracker not started: call await tracker.start() first');
    clearInterval(this.timer);
    if (this.sampling) await this.sampling;
    const now = Date.now();
    const pending: Promise<void>[] = [];
    for (const m of this.meters) {
      const r = m.sample(now);
      if (r) pending.push(r);
    }
    await Promise.all(pending);
    this.finalSnapshot = { t: now, perComponentJ: this.meters.map((m) => m.energyJ(now)) };
    this.final = this.buildReport(this.finalSnapshot);
    for (const m of this.meters) await m.close?.();
    return this.final;
  }

  private buildReport(snap: Snapshot): EnergyReport {
    const durationS = (snap.t - this.startMs) / 1000;
    const components = this.componentFigures(snap.perComponentJ, durationS);
    const energyJ = components.reduce((a, c) => a + c.energyJ, 0) * this.options.pue;
    const kWh = energyJ / J_PER_KWH;
    const report: EnergyReport = {
      runId: this.runId,
      projectName: this.options.projectName,
      startedAt: this.startedAt,
      durationS,
      energyJ,
      components,
      method: methodSummary(components),
      scope: this.options.scope,
      pue: this.options.pue,
      countryIsoCode: this.carbon.countryIsoCode,
      countryName: this.carbon.countryName,
      carbonIntensityGPerKWh: this.carbon.gPerKWh,
      carbonIntensitySource: this.carbon.source,
      co2eGrams: kWh * this.carbon.gPerKWh,
      spans: [...this.spans],
      spanTotals: [...this.spanTotals.values()].map((t) => ({ ...t })),
      ...this.spanBreakdown(energyJ),
      machine: this.machineInfo(snap.t, durationS),
      notices: [...this.notices],
    };
    if (this.options.wue !== undefined) {
      report.wue = this.options.wue;
      report.waterLitres = kWh * this.options.wue;
    }
    return report;
  }

  /** Spans as a breakdown that adds up: their union and the rest (only once a span has ended). */
  private spanBreakdown(energyJ: number): Pick<EnergyReport, 'spanUnionJ' | 'outsideSpansJ'> {
    if (this.spanTotals.size === 0) return {};
    const inside = Math.min(energyJ, this.union.joules());
    return { spanUnionJ: inside, outsideSpansJ: energyJ - inside };
  }

  private machineInfo(nowMs: number, durationS: number): MachineInfo {
    const p = this.parts!;
    let cpuUtil = 0;
    let ramUsed = 0;
    if (p.cpu instanceof ProcessTdpCpu && durationS > 0) {
      cpuUtil = (100 * p.cpu.cpuSecondsSinceStart()) / (durationS * p.cpuSpec.threads);
    } else if (p.cpu instanceof MachineTdpCpu) {
      cpuUtil = 100 * p.cpu.meanLoad();
    }
    if (p.ram instanceof ProcessRam) ramUsed = p.ram.meanBytes(nowMs);
    else ramUsed = Math.min(p.machineRamBytes, totalmem() - freemem());
    return {
      os: `${platform()}-${release()}`,
      nodeVersion: process.version,
      cpuModel: p.cpuSpec.model,
      cpuCount: p.cpuSpec.threads,
      gpuCount: p.gpuCount,
      gpuModel: p.gpuModel,
      ramTotalGiB: p.machineRamBytes / GIB,
      cpuUtilizationPercent: Math.min(100, cpuUtil),
      ramUsedGiB: ramUsed / GIB,
      ramUtilizationPercent: p.machineRamBytes > 0 ? (100 * ramUsed) / p.machineRamBytes : 0,
    };
  }
}

/** "modelled:tdp+modelled:ram": the distinct method labels that contributed, "none" excluded. */
export function methodSummary(components: ComponentEnergy[]): string {
  return joinMethodLabels(components.filter((c) => c.method !== 'none').map((c) => c.methodLabel ?? methodLabel(c.method, c.apportioned)));
}
