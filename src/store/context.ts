/**
 * The context every recorded run carries: where it ran (git commit of the working directory), on
 * what (the meter's own CPU/RAM detection; GPUs from the run's EnergyReport when it has one) and
 * under which grid intensity.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpuPowerSpec } from '../meter/sources/cpu-model.js';
import { machineMemory } from '../meter/sources/ram.js';
import { carbonFromTable } from '../meter/carbon/lookup.js';
import type { EnergyReport } from '../meter/types.js';
import type { CarbonRecord, HardwareRecord, LifeCyclePhase, RunRecord } from './types.js';

/** HEAD of the git work tree holding `cwd`, or null (not a repository, or no git). */
export function gitCommit(cwd = process.cwd()): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000, encoding: 'utf8' }).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

export function hardwareNow(report?: EnergyReport): HardwareRecord {
  const m = report?.machine;
  const spec = cpuPowerSpec();
  const gpus = m && m.gpuCount > 0 ? (m.gpuModel ? m.gpuModel.split(/\s*,\s*/) : Array.from({ length: m.gpuCount }, () => 'GPU')) : [];
  return {
    cpuModel: m?.cpuModel || spec.model,
    threads: m?.cpuCount || spec.threads,
    ramGiB: m?.ramTotalGiB ?? machineMemory().bytes / 1024 ** 3,
    gpus,
  };
}

export function carbonOf(report?: EnergyReport, country?: string): CarbonRecord {
  if (report) return { countryIsoCode: report.countryIsoCode, countryName: report.countryName, gPerKWh: report.carbonIntensityGPerKWh, source: report.carbonIntensitySource };
  const c = carbonFromTable({ country });
  return { countryIsoCode: c.countryIsoCode, countryName: c.countryName, gPerKWh: c.gPerKWh, source: c.source };
}

/** The life-cycle phase of a span or stage, by its name (the guide's data -> serving chain). */
export function phaseOf(name: string): LifeCyclePhase {
  const n = name.toLowerCase();
  if (/serv|bench|request|batch/.test(n)) return 'serving';
  if (/prune|quant|distil|int8|compress/.test(n)) return 'compression';
  if (/eval|test|calibrat|predict/.test(n)) return 'evaluation';
  if (/train|fit|recover|exit|hpo|federat|transfer|active/.test(n)) return 'training';
  if (/data|prepare|load|generat|stage|token/.test(n)) return 'data';
  return 'other';
}

/** A run record with the context filled in and nothing measured yet. */
export function baseRun(command: string, flags: Record<string, unknown>, opts: { report?: EnergyReport; country?: string; startedAt?: string; id?: string } = {}): RunRecord {
  const r = opts.report;
  return {
    id: opts.id ?? r?.runId ?? randomUUID(),
    command,
    flags: cleanFlags(flags),
    startedAt: opts.startedAt ?? r?.startedAt ?? new Date().toISOString(),
    durationS: r?.durationS ?? 0,
    cwd: process.cwd(),
    gitCommit: gitCommit(),
    hardware: hardwareNow(r),
    carbon: carbonOf(r, opts.country),
    energyJ: r?.energyJ ?? 0,
    co2eGrams: r?.co2eGrams ?? 0,
    energyMethod: r?.method ?? 'none',
    waterLitres: r?.waterLitres ?? null,
    components: (r?.components ?? []).map((c) => ({ component: c.component, energyJ: c.energyJ * (r?.pue ?? 1), meanPowerW: c.meanPowerW, method: c.method })),
    phases: [],
    variants: [],
    source: 'verde',
    status: 'complete',
  };
}

/** Flags as JSON can hold them; a --token is never stored. */
function cleanFlags(flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    if (/token|password|secret/i.test(k)) { out[k] = '(hidden)'; continue; }
    if (typeof v === 'function' || v === undefined) continue;
    out[k] = v;
  }
  return out;
}
