/**
 * Run records from what each command already produces: the text case's and the fraud case's
 * results, a meter EnergyReport (measure, demo), bench-serve's levels, calibrate's choices and a
 * serve session's counters. Only reshaping: every figure is the command's own, with its method.
 */
import { join } from 'node:path';
import type { EnergyReport } from '../meter/types.js';
import type { TextResults } from '../cases/text/report.js';
import type { FraudResults } from '../cases/fraud/results.js';
import type { LevelResult } from '../bench-serve/bench.js';
import type { ServeMetrics } from '../serve/serve-metrics.js';
import { baseRun, phaseOf } from './context.js';
import { blankVariant, type PhaseRecord, type RunRecord, type VariantRecord } from './types.js';

const TEXT_TASK = 'text-classification';
const TABULAR_TASK = 'tabular-classification';
/** The batch size runTextCase scores its batched pass with (evaluateVariantInChild batchSize). */
const TEXT_EVAL_BATCH = 32;

/** The text case's stages and variants (model dirs under `outDir`/models/<variant>). */
export function textParts(r: TextResults, outDir: string): Pick<RunRecord, 'phases' | 'variants'> {
  const phases: PhaseRecord[] = r.stages.map((s) => ({ name: `text:${s.name}`, phase: phaseOf(s.name), durationS: s.durationS, energyJ: s.energyJ, co2eGrams: s.co2eGrams, method: s.energyMethod }));
  const evalJ = r.variants.reduce((a, v) => a + v.energyJ, 0);
  phases.push({ name: 'text:evaluate', phase: 'evaluation', durationS: 0, energyJ: evalJ, co2eGrams: r.variants.reduce((a, v) => a + v.co2eGrams, 0), method: r.energyMethod });
  // Each model class's training stages (train-linear is the linear model's, the rest the transformer's).
  const trainOf = (linear: boolean) => r.stages.filter((s) => phaseOf(s.name) === 'training' && (s.name === 'train-linear') === linear).reduce((a, s) => a + s.energyJ, 0);
  const variants = r.variants.map((v): VariantRecord => ({
    ...blankVariant(v.name, v.modelClass === 'linear' ? 'text-linear' : `text-distilbert-${v.name}`, TEXT_TASK, v.energyMethod),
    accuracy: v.accuracy, macroF1: v.macroF1, latencyMs: v.latencyMsPerSample, throughputPerS: v.throughputPerS, sizeBytes: v.sizeBytes,
    energyJPerInference: v.energyJPerInference, energyJPerCorrect: v.energyJPerCorrect, energyJ: v.energyJ,
    energyJPerBatch: v.batchedEnergyJPerInference * TEXT_EVAL_BATCH, batchSize: TEXT_EVAL_BATCH, co2eGrams: v.co2eGrams,
    trainEnergyJ: trainOf(v.modelClass === 'linear'), inferences: v.total, correct: v.correct, secondsPerInference: v.latencyMsPerSample / 1000,
    modelDir: join(outDir, 'models', v.name),
  }));
  return { phases, variants };
}

/** The fraud case's models; its energy is split into training, scoring and the rest (data stage, comparisons). */
export function fraudParts(r: FraudResults, outDir: string): Pick<RunRecord, 'phases' | 'variants'> {
  const testRows = r.split.testRows;
  const trainJ = r.models.reduce((a, m) => a + m.trainEnergyJ, 0);
  const scoreJ = r.models.reduce((a, m) => a + m.inferenceEnergyJPerRow * testRows, 0);
  const g = (j: number) => (j / 3.6e6) * r.carbonIntensityGPerKWh;
  const method = r.models[0]?.energyMethod ?? 'none';
  const phases: PhaseRecord[] = [
    { name: 'fraud:train models', phase: 'training', durationS: r.models.reduce((a, m) => a + m.trainTimeS, 0), energyJ: trainJ, co2eGrams: g(trainJ), method },
    { name: 'fraud:score test rows', phase: 'evaluation', durationS: 0, energyJ: scoreJ, co2eGrams: g(scoreJ), method },
  ];
  const rest = r.totalEnergyJ - trainJ - scoreJ;
  if (rest > 0) phases.push({ name: 'fraud:data stage and technique runs (not split further)', phase: 'other', durationS: 0, energyJ: rest, co2eGrams: g(rest), method });
  const variants = r.models.map((m): VariantRecord => ({
    ...blankVariant(m.name, `fraud-${m.name}`, TABULAR_TASK, m.energyMethod),
    rocAuc: m.rocAuc, prAuc: m.prAuc, throughputPerS: m.inferenceRowsPerS, sizeBytes: m.onnxBytes,
    energyJPerInference: m.inferenceEnergyJPerRow, energyJ: m.inferenceEnergyJPerRow * testRows, co2eGrams: g(m.inferenceEnergyJPerRow * testRows),
    trainEnergyJ: m.trainEnergyJ, inferences: testRows, secondsPerInference: m.inferenceRowsPerS > 0 ? 1 / m.inferenceRowsPerS : null,
    modelDir: m.modelDir ? join(outDir, m.modelDir) : null,
  }));
  return { phases, variants };
}

/** The fraud models' test data, for their cards: the first dataset (the home institution's). */
export function fraudDataset(r: FraudResults | undefined): string | undefined {
  const d = r?.datasets[0];
  return d && `${d.name} (${d.source})`;
}

/** Totals of a case run that has no EnergyReport of its own (text and fraud commands). */
function caseTotals(energyJ: number, co2eGrams: number, method: string, run: RunRecord): RunRecord {
  return { ...run, energyJ, co2eGrams, energyMethod: method, components: [{ component: 'total', energyJ, meanPowerW: null, method }] };
}

export function textRun(r: TextResults, outDir: string, flags: Record<string, unknown>, startedAt: string, country?: string): RunRecord {
  const run = baseRun('text', flags, { startedAt, country });
  const durationS = (Date.now() - Date.parse(startedAt)) / 1000;
  return { ...caseTotals(r.totalEnergyJ, r.totalCo2eGrams, r.energyMethod, run), durationS, ...textParts(r, outDir) };
}

export function fraudRun(r: FraudResults, outDir: string, flags: Record<string, unknown>, startedAt: string): RunRecord {
  const run = baseRun('fraud', flags, { startedAt, country: (r.options.country as string | null) ?? undefined });
  const durationS = (Date.now() - Date.parse(startedAt)) / 1000;
  const carbon = { ...run.carbon, gPerKWh: r.carbonIntensityGPerKWh, source: r.carbonIntensitySource };
  return { ...caseTotals(r.totalEnergyJ, r.totalCo2eGrams, r.models[0]?.energyMethod ?? 'none', run), carbon, durationS, ...fraudParts(r, outDir) };
}

/** A meter run (verde measure, the demo's whole-run tracker): spans become phases. */
export function meterRun(command: string, flags: Record<string, unknown>, report: EnergyReport, label = command): RunRecord {
  const run = baseRun(command, flags, { report });
  const spans = report.spanTotals?.length ? report.spanTotals.map((s) => ({ name: s.name, durationS: 0, energyJ: s.energyJ, co2eGrams: s.co2eGrams, method: report.method })) : report.spans.map((s) => ({ name: s.name, durationS: s.durationS, energyJ: s.energyJ, co2eGrams: s.co2eGrams, method: s.method }));
  run.phases = spans.length ? spans.map((s) => ({ ...s, phase: phaseOf(s.name) })) : [{ name: label, phase: 'other', durationS: report.durationS, energyJ: report.energyJ, co2eGrams: report.co2eGrams, method: report.method }];
  return run;
}

/** bench-serve: each scenario's best level (highest throughput) as a serving variant. */
export function benchRun(levels: LevelResult[], flags: Record<string, unknown>, startedAt: string, modelName: string): RunRecord {
  const run = baseRun('bench-serve', flags, { startedAt });
  run.durationS = (Date.now() - Date.parse(startedAt)) / 1000;
  const best = new Map<string, LevelResult>();
  for (const l of levels) if (!best.has(l.scenario) || l.requestsPerS > best.get(l.scenario)!.requestsPerS) best.set(l.scenario, l);
  run.variants = [...best.values()].map((l) => ({
    ...blankVariant(`${l.scenario} @${l.concurrency}`, `${modelName}:${l.scenario}`, TEXT_TASK, l.method),
    latencyMs: l.p50Ms, throughputPerS: l.requestsPerS, energyJPerInference: l.batchJoulesPerInstance ?? l.joulesPerRequest,
    inferences: l.ok, secondsPerInference: l.requestsPerS > 0 ? 1 / l.requestsPerS : null,
  }));
  const energyJ = levels.reduce((a, l) => a + (l.joulesPerRequest ?? 0) * l.ok, 0);
  run.energyJ = energyJ;
  run.co2eGrams = (energyJ / 3.6e6) * run.carbon.gPerKWh;
  run.energyMethod = levels[0]?.method ?? 'none';
  run.components = [{ component: 'total', energyJ, meanPowerW: null, method: run.energyMethod }];
  run.phases = [{ name: 'bench-serve: server processes', phase: 'serving', durationS: run.durationS, energyJ, co2eGrams: run.co2eGrams, method: run.energyMethod }];
  return run;
}

interface CalibrationOut {
  earlyExit?: { model: string; threshold: number | null; accuracy: number; fullAccuracy: number };
  cascades?: { small: string; large: string; threshold: number | null; accuracy: number; largeAccuracy: number; smallAccuracy: number }[];
}

/** calibrate: accuracies of the choices (calibration measures no energy; the method says so). */
export function calibrateRun(out: CalibrationOut, flags: Record<string, unknown>, startedAt: string): RunRecord {
  const run = baseRun('calibrate', flags, { startedAt });
  run.durationS = (Date.now() - Date.parse(startedAt)) / 1000;
  const v = (name: string, model: string, accuracy: number) => ({ ...blankVariant(name, model, TEXT_TASK, 'not measured'), accuracy });
  if (out.earlyExit) {
    run.variants.push(v('full model', out.earlyExit.model, out.earlyExit.fullAccuracy));
    run.variants.push(v(`early exit @${out.earlyExit.threshold ?? 'off'}`, `${out.earlyExit.model}:early-exit`, out.earlyExit.accuracy));
  }
  for (const c of out.cascades ?? []) {
    run.variants.push(v('cascade small alone', c.small, c.smallAccuracy), v('cascade large alone', c.large, c.largeAccuracy), v(`cascade @${c.threshold ?? 'off'}`, `${c.small}+${c.large}`, c.accuracy));
  }
  return run;
}

/** A version a serve session served; `totals` (its own figures) else the metrics of `name`. */
export interface ServedVersion {
  name: string;
  /** The served model name (Prometheus label, trends); defaults to `name`. */
  modelName?: string;
  task: string;
  dir?: string;
  totals?: { instances: number; energyJ: number; co2eGrams: number; method: string | null };
}

/** A serve session so far: per served version, instances answered, their energy and feedback accuracy. */
export function serveRun(id: string, startedAt: string, flags: Record<string, unknown>, models: ServedVersion[], m: ServeMetrics, status: RunRecord['status'], country?: string): RunRecord {
  const run = baseRun('serve', flags, { id, startedAt, country });
  run.status = status;
  run.durationS = (Date.now() - Date.parse(startedAt)) / 1000;
  const methodOf = (model: string) => /method="([^"]+)"/.exec(m.energy.lines().find((l) => l.includes(`model="${model}"`)) ?? '')?.[1] ?? 'none';
  run.variants = models.map((x) => {
    const model = x.modelName ?? x.name;
    const instances = x.totals?.instances ?? m.instances.sum({ model });
    const energyJ = x.totals?.energyJ ?? m.energy.sum({ model });
    // Feedback is counted per model name: only a name served at one version can claim it.
    const alone = models.filter((y) => (y.modelName ?? y.name) === model).length === 1;
    const fbTotal = alone ? m.feedbackTotal.sum({ model }) : 0;
    const fbCorrect = alone ? m.feedbackCorrect.sum({ model }) : 0;
    return {
      ...blankVariant(x.name, model, x.task, x.totals?.method ?? methodOf(model)),
      energyJ, co2eGrams: x.totals?.co2eGrams ?? m.co2e.sum({ model }), inferences: instances,
      energyJPerInference: instances > 0 ? energyJ / instances : null,
      accuracy: fbTotal > 0 ? fbCorrect / fbTotal : null, correct: fbTotal > 0 ? fbCorrect : null,
      energyJPerCorrect: fbCorrect > 0 ? m.feedbackEnergy.sum({ model }) / fbCorrect : null,
      modelDir: x.dir ?? null,
    };
  });
  run.energyJ = run.variants.reduce((a, v) => a + (v.energyJ ?? 0), 0);
  run.co2eGrams = run.variants.reduce((a, v) => a + (v.co2eGrams ?? 0), 0);
  run.energyMethod = run.variants[0]?.energyMethod ?? 'none';
  run.components = [{ component: 'inference', energyJ: run.energyJ, meanPowerW: null, method: run.energyMethod }];
  run.phases = [{ name: 'serve: inference batches', phase: 'serving', durationS: run.durationS, energyJ: run.energyJ, co2eGrams: run.co2eGrams, method: run.energyMethod }];
  return run;
}
