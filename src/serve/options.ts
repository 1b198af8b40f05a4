/** What `verde serve` (and createServer) takes; the CLI's flags map one to one onto these fields. */
import type { MeterOptions } from '../meter/options.js';

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
  /** ONNX Runtime intra-op threads per model. */
  threads: number;
  /** Early-exit threshold; undefined: each model's manifest threshold; null: early exit off. */
  exitThreshold?: number | null;
  /** Softmax confidence at which a cascade's small model answers. */
  cascadeThreshold: number;
  maxInstances: number;
  /** Largest request body in bytes (413 above). */
  bodyLimit: number;
  longText: 'truncate' | 'reject';
  /** Meter settings (country for the carbon intensity, PUE, ...). */
  meter: MeterOptions;
}

export const DEFAULT_SERVE_OPTIONS: Omit<ServeOptions, 'models'> = {
  cascades: [],
  host: '127.0.0.1',
  port: 8080,
  maxBatchSize: 8,
  maxQueueDelayMs: 5,
  maxQueue: 256,
  timeoutMs: 30_000,
  cache: 'lru',
  cacheSize: 10_000,
  threads: 1,
  cascadeThreshold: 0.9,
  maxInstances: 64,
  bodyLimit: 1024 * 1024,
  longText: 'truncate',
  meter: {},
};
