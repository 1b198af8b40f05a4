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
 */
import type { ModelManifest } from '../registry/manifest.js';
import { ModelWorker, type BatchOutput } from './model-worker.js';
import { rowCount, sliceRows, type BatchRows } from './protocol.js';

/** What predictors need of a model's inference: one worker or a group of them. */
export interface ModelInference {
  readonly manifest: ModelManifest;
  readonly ready: Promise<void>;
  run(rows: BatchRows): Promise<BatchOutput>;
  /** Calibration: every row through every early-exit stage; per stage, per row, the probabilities. */
  traceStages(rows: BatchRows): Promise<number[][][]>;
  close(): Promise<void>;
}

/**
 * Fewest rows worth a shard of their own: below this a batch runs on one worker, as per-call
 * overhead (operator dispatch, the hand-over) would eat what a second core gives (ONNX Runtime
 * spends ~250 us per text at batch 1 against ~165 at batch 8 on the default model).
 */
export const MIN_ROWS_PER_SHARD = 8;

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

  constructor(dir: string, manifest: ModelManifest, workers: number, threads: number, exitThreshold: number | null) {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number >= 1 (got ${workers})`);
    this.manifest = manifest;
    this.members = Array.from({ length: workers }, () => new ModelWorker(dir, manifest, threads, exitThreshold));
    this.ready = Promise.all(this.members.map((w) => w.ready)).then(() => undefined);
  }

  async run(rows: BatchRows): Promise<BatchOutput> {
    const ranges = shardRanges(rowCount(rows), this.members.length);
    if (ranges.length === 1) return this.members[0]!.run(rows);
    const outs = await Promise.all(ranges.map((r, i) => this.members[i]!.run(sliceRows(rows, ...r))));
    return {
      probabilities: outs.flatMap((o) => o.probabilities),
      exits: outs.flatMap((o) => o.exits),
      rowCpuS: outs.flatMap((o) => o.rowCpuS),
      // Each shard is padded to its own longest text; the batch's figure is the longest of them.
      paddedLength: Math.max(...outs.map((o) => o.paddedLength)),
    };
  }

  async traceStages(rows: BatchRows): Promise<number[][][]> {
    const ranges = shardRanges(rowCount(rows), this.members.length);
    const outs = await Promise.all(ranges.map((r, i) => this.members[i]!.traceStages(sliceRows(rows, ...r))));
    return outs[0]!.map((_, stage) => outs.flatMap((o) => o[stage]!));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((w) => w.close()));
  }
}
