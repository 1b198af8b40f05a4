/**
 * Batch scoring (`verde score`, `verde worker`): a model over a CSV/Parquet input, in shards,
 * on this machine or through a BullMQ queue on Redis, predictions in zstd Parquet parts, energy
 * per 1,000 rows with its method. See docs/score.md.
 */
export { scoreLocal, type LocalScoreOptions, type ScoreResult } from './local.js';
export { scoreViaQueue, type QueueScoreOptions, type QueueScoreResult, type WorkerShare } from './producer.js';
export { runQueueWorker, type QueueWorkerOptions, type QueueWorkerSummary } from './queue-worker.js';
export { PLAN_FILE, partName, shardsOf, type ScorePlan, type Shard } from './shards.js';
export { probabilityColumn } from './write-part.js';
export { CONNECT_TIMEOUT_MS, QUEUE_NAME } from './queue-connection.js';
