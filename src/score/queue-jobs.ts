/** What a queue job carries to a worker and what the worker returns (JSON in Redis). */
import type { ScorePlan, Shard } from './shards.js';

export interface ShardJobData {
  /** The producer invocation that queued it (job ids are `<runId>-<shard>`). */
  runId: string;
  plan: ScorePlan;
  /** Absolute output folder: workers must see the same path (a shared volume). */
  out: string;
  batchRows: number;
  shard: Shard;
}

export interface ShardJobResult {
  shard: number;
  rows: number;
  file: string;
  /** hostname:pid of the worker process that scored it. */
  worker: string;
  seconds: number;
  energyJ: number;
  /** The worker's energy method, e.g. modelled:tdp or measured:rapl. */
  method: string;
}

export function jobId(runId: string, shard: number): string {
  return `${runId}-${shard}`; // BullMQ refuses ':' in custom ids
}
