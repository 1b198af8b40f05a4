/**
 * Data parallelism for one model on a multi-core CPU: several inference workers hold the same model,
 * and a batch large enough is cut into contiguous shards that run on them at once, then joined in
 * order. The batcher still has one batch in flight per model, so a batch's energy span covers all
 * of its shards, and a batch of one row runs on one worker as before.
 *
 * Why not ONNX Runtime's own intra-op threads: on the small transformers verde serves, most of a
 * run is operators too small to split well, and the pool's threads wake and wait around each one.
 * Interleaved on the offline default text model (wrk, 2 vCPUs, 128 connections, batches of 32):
 * two workers of one thread served more requests per second than one worker of two threads, for
 * less CPU per request (figures in docs/serving.md). This is the CPU analogue of what batching buys
 * on a GPU: one text at a time leaves a core idle; a batch fills both.
 *
 * Worker deaths: a batch runs only on live workers, and a shard lost because its worker died is run
 * once more on another live worker (waiting briefly for a restart when none is live), so a model
 * keeps answering while any of its workers lives (model-worker.ts restarts the dead ones).
 */
import type { ModelManifest } from '../registry/manifest.js';
import { ModelWorker, WorkerDiedError, type BatchOutput } from './model-worker.js';
import { rowCount, sliceRows, type BatchRows } from './protocol.js';

/** What predictors need of a model's inference: one worker or a group of them. */
export interface ModelInference {
  readonly manifest: ModelManifest;
  readonly ready: Promise<void>;
  /** At least one worker can take a batch now. */
  readonly live: boolean;
  run(rows: BatchRows): Promise<BatchOutput>;
  /** Calibration: every row through every early-exit stage; per stage, per row, the probabilities. */
  traceStages(rows: BatchRows): Promise<number[][][]>;
  close(): Promise<void>;
}

/** No worker of the model is alive to run a batch (all are restarting): the server answers 503. */
export class ModelUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelUnavailableError';
  }
}

/**
 * Fewest rows worth a shard of their own: below this a batch runs on one worker, as per-call
 * overhead (operator dispatch, the hand-over) would eat what a second core gives (ONNX Runtime
 * spends ~250 us per text at batch 1 against ~165 at batch 8 on the default model).
 */
export const MIN_ROWS_PER_SHARD = 8;

/**
 * How long a batch waits for a worker to come back when none is live. The first restart after a
 * death comes after 100 ms plus the model's load; the batcher holds one batch in flight per model, so
 * a longer wait would hold the whole queue.
 */
const WAIT_FOR_LIVE_MS = 2_000;

/** Contiguous row ranges [start, end) cutting n rows into at most `parts` shards of >= minRows each (sizes differ by at most one). */
export function shardRanges(n: number, parts: number, minRows = MIN_ROWS_PER_SHARD): Array<[number, number]> {
  const k = Math.max(1, Math.min(parts, Math.floor(n / minRows)));
  const out: Array<[number, number]> = [];
  for (let i = 0, start = 0; i < k; i++) {
    const end = start + Math.floor(n / k) + (i < n % k ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}

export class WorkerGroup implements ModelInference {
  readonly manifest: ModelManifest;
  readonly ready: Promise<void>;
  private readonly members: ModelWorker[];
  private waiters: Array<() => void> = [];

  constructor(dir: string, manifest: ModelManifest, workers: number, threads: number, exitThreshold: number | null) {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number >= 1 (got ${workers})`);
    this.manifest = manifest;
    this.members = Array.from({ length: workers }, () => new ModelWorker(dir, manifest, threads, exitThreshold));
    for (const w of this.members) w.onLive = () => this.waiters.splice(0).forEach((wake) => wake());
    // Every member's load settles before the group reports a failure, so no caller closes the group
    // while a member is still loading (model-worker.ts: that would abort the process).
    this.ready = Promise.allSettled(this.members.map((w) => w.ready)).then((results) => {
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }

  get live(): boolean {
    return this.members.some((w) => w.live);
  }

  /** A live worker other than `avoid` if there is one, else `avoid` if live, else the first to come back within WAIT_FOR_LIVE_MS. */
  private async pick(avoid?: ModelWorker): Promise<ModelWorker> {
    const deadline = performance.now() + WAIT_FOR_LIVE_MS;
    for (;;) {
      const w = this.members.find((m) => m.live && m !== avoid) ?? (avoid?.live ? avoid : undefined);
      if (w) return w;
      const left = deadline - performance.now();
      if (left <= 0) throw new ModelUnavailableError(`${this.manifest.name}: no inference worker is running (restarting)`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  /** `call` on worker `w`; when `w` dies holding the rows, once more on another worker. */
  private async onWorker<T>(w: ModelWorker, rows: BatchRows, call: (w: ModelWorker, rows: BatchRows) => Promise<T>): Promise<T> {
    try {
      return await call(w, rows);
    } catch (err) {
      if (!(err instanceof WorkerDiedError)) throw err;
      return call(await this.pick(w), rows);
    }
  }

  /** Cut `rows` into one shard per live worker (at least MIN_ROWS_PER_SHARD each) and run `call` on each. */
  private async sharded<T>(rows: BatchRows, call: (w: ModelWorker, rows: BatchRows) => Promise<T>): Promise<T[]> {
    let live = this.members.filter((m) => m.live);
    if (live.length === 0) live = [await this.pick()];
    const ranges = shardRanges(rowCount(rows), live.length);
    if (ranges.length === 1) return [await this.onWorker(live[0]!, rows, call)];
    return Promise.all(ranges.map((r, i) => this.onWorker(live[i]!, sliceRows(rows, ...r), call)));
  }

  async run(rows: BatchRows): Promise<BatchOutput> {
    const outs = await this.sharded(rows, (w, r) => w.run(r));
    if (outs.length === 1) return outs[0]!;
    return {
      probabilities: outs.flatMap((o) => o.probabilities),
      exits: outs.flatMap((o) => o.exits),
      rowCpuS: outs.flatMap((o) => o.rowCpuS),
      // Each shard is padded to its own longest text; the batch's figure is the longest of them.
      paddedLength: Math.max(...outs.map((o) => o.paddedLength)),
    };
  }

  async traceStages(rows: BatchRows): Promise<number[][][]> {
    const outs = await this.sharded(rows, (w, r) => w.traceStages(r));
    return outs[0]!.map((_, stage) => outs.flatMap((o) => o[stage]!));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((w) => w.close()));
  }
}
