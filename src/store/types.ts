/**
 * What the run store keeps about one run: enough to compare runs later (report, diff) without the
 * run's output files. Every energy figure keeps the method it was obtained with.
 */

/** The life-cycle phases the report stacks energy by (the guide's data -> serving chain). */
export type LifeCyclePhase = 'data' | 'training' | 'compression' | 'evaluation' | 'serving' | 'other';

export interface HardwareRecord {
  cpuModel: string;
  threads: number;
  ramGiB: number;
  gpus: string[];
}

export interface CarbonRecord {
  countryIsoCode: string;
  countryName: string;
  gPerKWh: number;
  /** "table:owid-2023", "flag", "default:world (IEA 2019)", "codecarbon-import", ... */
  source: string;
}

export interface ComponentRecord {
  component: string;
  energyJ: number;
  meanPowerW: number | null;
  method: string;
}

export interface PhaseRecord {
  name: string;
  phase: LifeCyclePhase;
  durationS: number;
  energyJ: number;
  co2eGrams: number;
  method: string;
}

/** One model variant evaluated in a run (null: the figure does not apply or was not measured). */
export interface VariantRecord {
  name: string;
  /** Stable model name across runs (trends are drawn per model name). */
  modelName: string;
  task: 'text-classification' | 'tabular-classification' | string;
  accuracy: number | null;
  macroF1: number | null;
  rocAuc: number | null;
  prAuc: number | null;
  latencyMs: number | null;
  throughputPerS: number | null;
  sizeBytes: number | null;
  energyJPerInference: number | null;
  energyJPerCorrect: number | null;
  /** Energy of one batch of `batchSize` inferences, when batched scoring was measured. */
  energyJPerBatch: number | null;
  batchSize: number | null;
  /** Energy of the evaluation (all functional units counted below). */
  energyJ: number | null;
  co2eGrams: number | null;
  trainEnergyJ: number | null;
  /** Functional units: inferences made and correct ones among them. */
  inferences: number | null;
  correct: number | null;
  energyMethod: string;
  /** Seconds the hardware was busy per inference (for the SCI's embodied share); null when unknown. */
  secondsPerInference: number | null;
  modelDir: string | null;
}

export interface RunRecord {
  id: string;
  command: string;
  flags: Record<string, unknown>;
  startedAt: string;
  durationS: number;
  cwd: string;
  gitCommit: string | null;
  hardware: HardwareRecord;
  carbon: CarbonRecord;
  energyJ: number;
  co2eGrams: number;
  energyMethod: string;
  waterLitres: number | null;
  components: ComponentRecord[];
  phases: PhaseRecord[];
  variants: VariantRecord[];
  /** "verde" or "codecarbon-import". */
  source: string;
  /** "complete", or "running" for a serve session recorded periodically. */
  status: 'complete' | 'running';
}

/** A variant with every optional figure left empty: callers fill in what they measured. */
export function blankVariant(name: string, modelName: string, task: string, energyMethod: string): VariantRecord {
  return {
    name, modelName, task, energyMethod,
    accuracy: null, macroF1: null, rocAuc: null, prAuc: null, latencyMs: null, throughputPerS: null, sizeBytes: null,
    energyJPerInference: null, energyJPerCorrect: null, energyJPerBatch: null, batchSize: null, energyJ: null, co2eGrams: null, trainEnergyJ: null,
    inferences: null, correct: null, secondsPerInference: null, modelDir: null,
  };
}
