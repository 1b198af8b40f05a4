/** What `verde serve` (and createServer) takes; the CLI's flags map one to one onto these fields. */
import { usableCores } from '../util/cores.js';
import type { MeterOptions } from '../meter/options.js';
import { DEFAULT_FEEDBACK_LIMIT_BYTES } from './feedback.js';
import { UserError } from '../util/errors.js';

export interface CascadeSpec {
  /** Name the cascade is served under (default "cascade"). */
  name?: string;
  small: string;
  large: string;
}

export interface ServeOptions {
  /** Model directories (verde model format); each is served under its manifest's name. */
  models: string[];
  cascades: CascadeSpec[];
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Also answer /healthz and /readyz on this port, from their own thread (health-listener.ts); 0: any free port. */
  healthPort?: number;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** Most instances queued per model before 429. */
  maxQueue: number;
  /** Per-request limit before 504. */
  timeoutMs: number;
  /** 'lru' (default), 'off', or a redis:// URL. */
  cache: string;
  cacheSize: number;
  /** Bearer token required on every route but /healthz and /readyz. */
  token?: string;
  /** Inference workers per model; a batch of 16 or more rows is split across them (worker-group.ts). Default: one per core. */
  workers: number;
  /** ONNX Runtime intra-op threads per inference worker (default 1). */
  threads: number;
  /** Early-exit threshold; undefined: each model's manifest threshold; null: early exit off. */
  exitThreshold?: number | null;
  /** Softmax confidence at which a cascade's small model answers. */
  cascadeThreshold: number;
  maxInstances: number;
  /** Largest request body in bytes (413 above). */
  bodyLimit: number;
  longText: 'truncate' | 'reject';
  /** Bound of the :feedback store in (estimated) bytes; the oldest predictions are forgotten first. */
  feedbackLimitBytes: number;
  /** Meter settings (country for the carbon intensity, PUE, ...). */
  meter: MeterOptions;
  /** Hot swap (pointer-watch.ts): pointer files `{"dir", "version", "name"?}` to serve and follow. */
  watch: string[];
  /** Registry root: serve every `aliases/<model>/<alias>.json` and write usage files to `usage/`. */
  registry?: string;
  alias?: string;
  /** How often pointer files are re-read. */
  watchIntervalMs: number;
  /** How often usage files are rewritten (also at shutdown); 0: only at shutdown. */
  usageFlushMs: number;
  /** Also write the usage statistics of every served version to this file. */
  usageOut?: string;
}

/**
 * Inference workers per model: one per usable core (see worker-group.ts for why workers, not ORT
 * threads), at most 4: each holds a copy of the model, and a batch of 32 makes at most 4 shards.
 */
export const DEFAULT_WORKERS = Math.min(usableCores(), 4);

export const DEFAULT_SERVE_OPTIONS: Omit<ServeOptions, 'models'> = {
  cascades: [],
  host: '127.0.0.1',
  port: 8080,
  // Triton's default: no delay, batches as large as what waited while the model was busy (up to
  // 32), so batches grow with load. Interleaved on the offline default text model (wrk, 2 vCPUs):
  // 16 connections 2,300 req/s (p50 6 ms) against 1,280 (12 ms) with a 5 ms delay, which makes every
  // batch of 16 wait for 32; 128 connections 3,600 against 3,400; 64 connections 3,000 against
  // 3,500, where the delay fills batches (raise --max-queue-delay-ms for that).
  maxBatchSize: 32,
  maxQueueDelayMs: 0,
  maxQueue: 256,
  timeoutMs: 30_000,
  cache: 'lru',
  cacheSize: 10_000,
  workers: DEFAULT_WORKERS,
  threads: 1,
  cascadeThreshold: 0.9,
  maxInstances: 64,
  bodyLimit: 1024 * 1024,
  longText: 'truncate',
  feedbackLimitBytes: DEFAULT_FEEDBACK_LIMIT_BYTES,
  meter: {},
  watch: [],
  watchIntervalMs: 1000,
  usageFlushMs: 60_000,
};

/**
 * The bearer token, refused when empty: an empty one (`--token ""`, or a secret missing in a
 * deployment) must not quietly mean "no authentication". createServer and the CLI check it the same way.
 */
export function checkServeToken(token: string | undefined): string | undefined {
  if (token !== undefined && token.trim() === '') throw new UserError('--token: must not be empty (omit it to serve without authentication)');
  return token;
}
