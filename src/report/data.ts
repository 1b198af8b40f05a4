/**
 * The report's content, computed once from stored runs and rendered as HTML, Markdown or JSON:
 * summary and winners, the variants with their labels and SCI, the Pareto front of quality against
 * energy per inference, energy by life-cycle phase, the same energy in other grids, trends per model
 * name, and the UNE-0086-aligned metrics block. Nothing here is measured anew.
 */
import { lookupCountry, WORLD_DEFAULT_G_PER_KWH } from '../meter/carbon/lookup.js';
import { BAND_EDGES_J_PER_1000, LABEL_COLOURS, energyLabel, type EnergyLetter } from '../registry/energy-label.js';
import type { LifeCyclePhase, RunRecord, VariantRecord } from '../store/types.js';
import { embodiedFigure, sciScore, type EmbodiedFigure, type SciScore } from './sci.js';

export const PHASES: readonly LifeCyclePhase[] = ['data', 'training', 'compression', 'evaluation', 'serving', 'other'];
export const COMPARISON_GRIDS = ['ESP', 'FRA', 'POL'] as const;

export interface ReportVariant extends VariantRecord {
  runId: string;
  /** The quality axis: accuracy, else PR-AUC (imbalanced tabular tasks), else ROC-AUC. */
  quality: number | null;
  qualityMetric: string | null;
  label: { letter: EnergyLetter; colour: string; jPer1000: number; taskClass: string } | null;
  sciPerInference: SciScore | null;
  pareto: boolean;
}

export interface Winner {
  task: string;
  criterion: string;
  variant: string;
  runId: string;
  value: number;
  unit: string;
  method: string;
}

export interface UneBlock {
  runId: string;
  command: string;
  kWhPerRun: number;
  co2eGrams: number;
  carbon: string;
  waterLitres: number | null;
  energyMethod: string;
  modelled: boolean;
  perVariant: { variant: string; jPerInference: number | null; jPerBatch: number | null; batchSize: number | null; jPerCorrect: number | null; method: string }[];
  sciPerRun: SciScore;
}

export interface ReportData {
  format: 'verde-report/1';
  createdAt: string;
  runs: RunRecord[];
  variants: ReportVariant[];
  winners: Winner[];
  recommended: { task: string; variant: string; runId: string; why: string }[];
  phases: { runId: string; label: string; byPhase: Record<LifeCyclePhase, number> }[];
  grids: { runId: string; label: string; energyKWh: number; grams: { grid: string; gPerKWh: number; source: string; co2eGrams: number }[] }[];
  trends: { modelName: string; points: { runId: string; startedAt: string; jPerInference: number }[] }[];
  une: UneBlock[];
  sci: { terms: string; embodied: EmbodiedFigure; functionalUnits: string[] };
  labelBands: { unit: string; edges: Record<string, readonly number[]>; colours: Record<EnergyLetter, string>; how: string };
}

export interface ReportOptions {
  embodiedKgCO2e?: number;
  lifetimeYears?: number;
  /** Within this much of the best quality, the lowest energy per inference is recommended. */
  qualityTolerance?: number;
}

function qualityOf(v: VariantRecord): [number | null, string | null] {
  if (v.accuracy !== null) return [v.accuracy, 'accuracy'];
  if (v.prAuc !== null) return [v.prAuc, 'PR-AUC'];
  if (v.rocAuc !== null) return [v.rocAuc, 'ROC-AUC'];
  return [null, null];
}

/** Non-dominated variants per task: no other has quality >= and energy <=, one of them strictly. */
export function paretoFront<T extends { quality: number | null; energyJPerInference: number | null }>(xs: T[]): Set<T> {
  const pts = xs.filter((x) => x.quality !== null && x.energyJPerInference !== null);
  const front = new Set<T>();
  for (const p of pts) {
    const dominated = pts.some((q) => q !== p && q.quality! >= p.quality! && q.energyJPerInference! <= p.energyJPerInference! && (q.quality! > p.quality! || q.energyJPerInference! < p.energyJPerInference!));
    if (!dominated) front.add(p);
  }
  return front;
}

const runLabel = (r: RunRecord) => `${r.command} ${r.startedAt.slice(0, 16).replace('T', ' ')} (${r.id.slice(0, 8)})`;

export function buildReport(runs: RunRecord[], o: ReportOptions = {}): ReportData {
  const embodied = embodiedFigure({ embodiedKgCO2e: o.embodiedKgCO2e, lifetimeYears: o.lifetimeYears });
  const variants: ReportVariant[] = runs.flatMap((r) => r.variants.map((v) => {
    const [quality, qualityMetric] = qualityOf(v);
    const l = energyLabel(v.energyJPerInference, v.task);
    const sciPerInference = v.energyJPerInference === null ? null : sciScore({
      functionalUnit: v.task === 'tabular-classification' ? '1,000 rows scored' : 'one inference',
      energyJ: v.energyJPerInference * (v.task === 'tabular-classification' ? 1000 : 1), units: 1,
      intensity: r.carbon.gPerKWh, intensitySource: r.carbon.source,
      seconds: v.secondsPerInference === null ? null : v.secondsPerInference * (v.task === 'tabular-classification' ? 1000 : 1),
      threads: r.hardware.threads, energyMethod: v.energyMethod, embodied,
    });
    return { ...v, runId: r.id, quality, qualityMetric, label: l && { letter: l.letter, colour: l.colour, jPer1000: l.jPer1000, taskClass: l.taskClass }, sciPerInference, pareto: false };
  }));
  const tasks = [...new Set(variants.map((v) => v.task))];
  for (const t of tasks) for (const v of paretoFront(variants.filter((x) => x.task === t))) v.pareto = true;

  const winners: Winner[] = [];
  const recommended: ReportData['recommended'] = [];
  const criteria: [string, (v: ReportVariant) => number | null, 'max' | 'min', string][] = [
    ['highest quality', (v) => v.quality, 'max', ''],
    ['least energy per inference', (v) => v.energyJPerInference, 'min', 'J'],
    ['least energy per correct prediction', (v) => v.energyJPerCorrect, 'min', 'J'],
    ['lowest latency', (v) => v.latencyMs, 'min', 'ms'],
    ['highest throughput', (v) => v.throughputPerS, 'max', '/s'],
    ['smallest on disk', (v) => v.sizeBytes, 'min', 'bytes'],
    ['lowest SCI per functional unit', (v) => v.sciPerInference?.sci ?? null, 'min', 'gCO2e'],
  ];
  for (const t of tasks) {
    const ofTask = variants.filter((v) => v.task === t);
    for (const [criterion, f, dir, unit] of criteria) {
      const xs = ofTask.filter((v) => f(v) !== null);
      if (!xs.length) continue;
      const best = xs.reduce((a, b) => ((dir === 'max' ? f(b)! > f(a)! : f(b)! < f(a)!) ? b : a));
      const method = criterion === 'highest quality' ? `${best.qualityMetric} on the test split` : criterion.includes('disk') || criterion.includes('latency') || criterion.includes('throughput') ? 'timed / file size' : best.energyMethod;
      winners.push({ task: t, criterion: criterion === 'highest quality' ? `highest ${best.qualityMetric}` : criterion, variant: best.name, runId: best.runId, value: f(best)!, unit, method });
    }
    const tol = o.qualityTolerance ?? 0.01;
    const q = ofTask.filter((v) => v.quality !== null && v.energyJPerInference !== null);
    if (q.length) {
      const top = Math.max(...q.map((v) => v.quality!));
      const pick = q.filter((v) => v.quality! >= top - tol).reduce((a, b) => (b.energyJPerInference! < a.energyJPerInference! ? b : a));
      recommended.push({ task: t, variant: pick.name, runId: pick.runId, why: `least energy per inference (${pick.energyJPerInference!.toExponential(3)} J, ${pick.energyMethod}) among variants within ${tol} ${pick.qualityMetric} of the best (${top.toFixed(4)})` });
    }
  }

  const phases = runs.map((r) => {
    const byPhase = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<LifeCyclePhase, number>;
    for (const p of r.phases) byPhase[p.phase] += p.energyJ;
    if (!r.phases.length) byPhase.other = r.energyJ;
    return { runId: r.id, label: runLabel(r), byPhase };
  });

  const grids = runs.map((r) => {
    const kWh = r.energyJ / 3.6e6;
    const rows = COMPARISON_GRIDS.map((iso) => {
      const c = lookupCountry(iso)!;
      return { grid: c.name, gPerKWh: c.gPerKWh, source: `table:owid-${c.year}` };
    });
    rows.push({ grid: 'World', gPerKWh: WORLD_DEFAULT_G_PER_KWH, source: 'default:world (IEA 2019)' });
    if (r.carbon.countryName && !rows.some((x) => x.grid === r.carbon.countryName)) rows.unshift({ grid: `${r.carbon.countryName} (this run)`, gPerKWh: r.carbon.gPerKWh, source: r.carbon.source });
    return { runId: r.id, label: runLabel(r), energyKWh: kWh, grams: rows.map((x) => ({ ...x, co2eGrams: kWh * x.gPerKWh })) };
  });

  const byModel = new Map<string, ReportData['trends'][number]['points']>();
  for (const r of runs) for (const v of r.variants) {
    if (v.energyJPerInference === null) continue;
    const pts = byModel.get(v.modelName) ?? [];
    pts.push({ runId: r.id, startedAt: r.startedAt, jPerInference: v.energyJPerInference });
    byModel.set(v.modelName, pts);
  }
  const trends = [...byModel].map(([modelName, points]) => ({ modelName, points: points.sort((a, b) => a.startedAt.localeCompare(b.startedAt)) }));

  const une = runs.map((r): UneBlock => ({
    runId: r.id,
    command: r.command,
    kWhPerRun: r.energyJ / 3.6e6,
    co2eGrams: r.co2eGrams,
    carbon: `${r.carbon.gPerKWh.toFixed(1)} gCO2e/kWh, ${r.carbon.source}${r.carbon.countryName ? ` (${r.carbon.countryName})` : ''}`,
    waterLitres: r.waterLitres,
    energyMethod: r.energyMethod,
    modelled: !r.energyMethod.startsWith('measured') || r.energyMethod.includes('modelled'),
    perVariant: r.variants.map((v) => ({
      variant: v.name,
      jPerInference: v.energyJPerInference,
      jPerBatch: v.energyJPerBatch,
      batchSize: v.batchSize,
      jPerCorrect: v.energyJPerCorrect,
      method: v.energyMethod,
    })),
    sciPerRun: sciScore({ functionalUnit: `one ${r.command} run`, energyJ: r.energyJ, units: 1, intensity: r.carbon.gPerKWh, intensitySource: r.carbon.source, seconds: r.durationS, threads: r.hardware.threads, energyMethod: r.energyMethod, embodied }),
  }));

  return {
    format: 'verde-report/1',
    createdAt: new Date().toISOString(),
    runs,
    variants,
    winners,
    recommended,
    phases,
    grids,
    trends,
    une,
    sci: {
      terms: 'SCI = (E x I + M) per R (ISO/IEC 21031:2024); E kWh per R, I location-based gCO2e/kWh, M = TE x TiR/EL x RR/ToR',
      embodied,
      functionalUnits: ['one inference (text classification; consumer boundary of SCI for AI)', '1,000 rows scored (tabular classification)', 'one run (training/provider boundary)'],
    },
    labelBands: {
      unit: 'J per 1,000 inferences (upper edges of A..F; G above)',
      edges: BAND_EDGES_J_PER_1000,
      colours: LABEL_COLOURS,
      how: 'fixed decades per task class, never recalibrated on observed ranges: the same figure gets the same letter anywhere',
    },
  };
}
