/**
 * What the coordinator and its client processes agree on: the client's start-up configuration
 * (passed as one JSON argument to the forked entry) and where a client's rows come from.
 */
import type { ColumnStats } from '../../tabular/normaliser.js';

/**
 * A client's private data: a dataset file written with `writeClientDataset`, or a module the
 * client imports and calls to build its own rows in its own process (e.g. the transaction
 * generator with the institution's seed), so the rows never pass through the coordinator.
 */
export type ClientDataSource =
  | { kind: 'file'; path: string }
  | { kind: 'module'; module: string; exportName: string; args?: unknown };

export interface LocalTraining {
  hidden: number[];
  localEpochs: number;
  batchSize: number;
  learningRate: number;
  positiveWeight: number;
  seed: number;
  compress: 'int8' | 'none';
}

export interface ClientConfig extends LocalTraining {
  url: string;
  clientId: string;
  data: ClientDataSource;
}

export interface RegisterBody {
  clientId: string;
  rows: number;
  cols: number;
  positives: number;
  stats: ColumnStats;
}

/** Header of the coordinator's answer to GET /round. */
export interface RoundHeader {
  round: number;
  done: boolean;
  /** Nothing new yet: poll again (long polls are answered after a while so no HTTP timeout fires). */
  retry?: boolean;
  normaliser?: { mean: number[]; std: number[] };
}

/** Header of a client's POST /update. */
export interface UpdateHeader {
  clientId: string;
  round: number;
  rows: number;
  loss: number;
}
