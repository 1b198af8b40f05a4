/**
 * Score one shard: stream its rows from the input in batches, run each batch on the model's
 * inference workers (serve's WorkerGroup: the same worker threads, sessions and sharding over
 * workers as `verde serve`), and write the shard's part file. Reading the next batch overlaps
 * the inference of the current one (at most two batches in flight), so DuckDB's reading and
 * ONNX Runtime's work share the cores instead of taking turns.
 */
import type { ModelInference } from '../serve/worker-group.js';
import type { BatchOutput } from '../serve/model-worker.js';
import { argmax } from '../util/softmax.js';
import { readShard, type InputColumns } from './source.js';
import type { Shard } from './shards.js';
import { writePart, type ShardPredictions } from './write-part.js';

export interface ShardJob {
  data: string;
  out: string;
  shard: Shard;
  batchRows: number;
  cols: InputColumns;
  /** Called after each batch with the rows it held (progress bars). */
  onRows?: (n: number) => void;
}

/**
 * Test hook, not a feature: VERDE_SCORE_BATCH_PAUSE_MS makes each batch wait this long, so a test
 * can kill a queue worker while it is surely in the middle of a shard.
 */
const pauseMs = Number(process.env.VERDE_SCORE_BATCH_PAUSE_MS ?? 0);

export async function scoreShard(inference: ModelInference, job: ShardJob): Promise<{ rows: number; file: string }> {
  const m = inference.manifest;
  const preds: ShardPredictions = { rows: [], labelIds: [], probabilities: [] };
  const take = (first: number, out: BatchOutput) => {
    out.probabilities.forEach((p, i) => {
      preds.rows.push(first + i);
      preds.labelIds.push(argmax(p));
      preds.probabilities.push(p);
    });
    job.onRows?.(out.probabilities.length);
  };
  let inFlight: { first: number; run: Promise<BatchOutput> } | null = null;
  for await (const batch of readShard(job.data, m, job.cols, job.shard.start, job.shard.end, job.batchRows)) {
    const run = inference.run(batch.rows);
    run.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    if (inFlight) take(inFlight.first, await inFlight.run);
    inFlight = { first: batch.first, run };
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  if (inFlight) take(inFlight.first, await inFlight.run);
  const file = await writePart(job.out, job.shard.index, m.labels, preds);
  return { rows: preds.rows.length, file };
}
