/**
 * What every technique of the fraud case shares: the options, the prepared splits (the same
 * held-out test rows for every comparison), the meter, where models are written, and the
 * running list of model results.
 */
import type { SpanSource } from '../../engine/fit/loop.js';
import type { GbdtModel } from '../../models/gbdt/index.js';
import type { FeatureSpec, TabularDataset } from '../../tabular/dataset.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { DatasetResult, ModelResult, TechniqueResult } from './results.js';
import type { MeterContext, Metered } from './energy.js';

/** One split in both shapes the models take: column-major for the GBDT, row-major for the rest. */
export interface Split {
  ds: TabularDataset;
  x: Matrix;
  y: Uint8Array;
}

export interface CaseData {
  features: FeatureSpec[];
  /** [negative, positive] label names written into every model's manifest. */
  labels: [string, string];
  train: Split;
  valid: Split;
  test: Split;
  /** The training rows before rule filtering and deduplication (generated data only). */
  rawTrain?: Split;
  datasets: DatasetResult[];
  /** Figures of the data stage for the minimisation row (generated data only). */
  minimisation?: {
    rawRows: number;
    keptRows: number;
    /** Fraud rows the rule filter dropped, and those the exact and near dedup steps dropped (the rule keeps them all on generated data). */
    fraudRowsDroppedByRule: number;
    fraudRowsDroppedByDedup: number;
    rawCsvBytes: number;
    rawCsvAsParquetBytes: number;
    featuresParquetBytes: number;
    plainFeaturesParquetBytes: number;
    stageEnergyJ: number;
    plainStageEnergyJ: number;
    stageMethod: string;
    notes: string[];
  };
  /** Other institutions' drifted data (generated data only): transfer uses the first. */
  institutions?: { id: string; train: Split; valid: Split; test: Split }[];
  /** The federation: each site's own training rows and held-out rows (home first). */
  federatedSites?: { id: string; train: Split; test: Split }[];
  splitHow: string;
}

export interface FraudCaseOptionsResolved {
  rows: number;
  seed: number;
  country?: string;
  clients: number;
  skip: Set<string>;
  threads: number;
  dataFile?: string;
  labelCol?: string;
  positive?: string;
}

export interface CaseContext {
  opts: FraudCaseOptionsResolved;
  data: CaseData;
  meter: MeterContext;
  /** The run's tracker: training loops open their per-epoch spans on it. */
  tracker?: SpanSource;
  /** Directory being filled (inside writeDirAtomic); model dirs go under models/<name>/. */
  workDir: string;
  models: ModelResult[];
  techniques: TechniqueResult[];
  /** The plain GBDT every technique compares against, trained once. */
  baseline?: { model: GbdtModel; train: Metered<GbdtModel>; onnx: Uint8Array; result: ModelResult };
  notice(line: string): void;
}
