/** What `verde bench-serve` takes (the CLI's flags map onto it) and the figures it reports. */
import type { LoadGenerator } from './level.js';

export interface BenchOptions {
  model: string;
  exitModel?: string;
  small?: string;
  large?: string;
  url?: string;
  concurrency: number[];
  durationS: number;
  /** Interleaved rounds; medians are reported (default 1). */
  repeat: number;
  p99BudgetMs: number;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** Inference workers and ONNX Runtime threads per worker, passed to every server. */
  workers: number;
  threads: number;
  out: string;
  /** Skip the overload run. */
  noOverload?: boolean;
  /** Run only these scenario groups (batching, cache, early-exit, cascade, overload); default all. */
  only?: string[];
  /** Closed-loop load for the concurrency levels; 'auto' (default): wrk when on PATH, else autocannon. */
  loadGenerator?: LoadGenerator | 'auto';
  log?: (line: string) => void;
}

export interface LevelResult {
  scenario: string;
  concurrency: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Server process energy per answered request (HTTP handling included). */
  joulesPerRequest: number | null;
  /** Energy of the inference batches only, per answered instance. */
  batchJoulesPerInstance: number | null;
  method: string;
  meanBatchSize: number | null;
}

export interface OverloadResult {
  generator: LoadGenerator;
  /** Target rate: 10x the measured capacity. */
  offeredPerS: number;
  /** Requests actually sent per second (a paced closed-loop generator may fall short of the target). */
  sentPerS: number;
  connections: number;
  okPerS: number;
  shed429: number;
  otherErrors: number;
  admittedP99Ms: number | null;
  healthyAfter: boolean;
}
