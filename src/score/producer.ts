/**
 * `verde score --queue redis://...`: the producer. It settles the plan in --out like a local run,
 * queues one BullMQ job per shard without a part file (retries with exponential backoff), waits
 * for every job, then checks the parts cover the input exactly once. Its run's energy is the sum of
 * the workers' per-shard figures, each kept with its worker and method; shards that failed after
 * their retries are named, and the caller exits non-zero.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { progressBar } from '../util/progress.js';
import { UserError } from '../util/errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { checkRedis, parseQueueUrl, QUEUE_NAME } from './queue-connection.js';
import { jobId, type ShardJobData, type ShardJobResult } from './queue-jobs.js';
import { prepareRun, type ScoreOptions } from './plan.js';
import { sweepTempParts, type ScorePlan } from './shards.js';
import { verifyParts, type Verdict } from './verify.js';

export interface QueueScoreOptions extends ScoreOptions {
  queue: string;
  /** Tries per shard (first one included). */
  attempts: number;
  /** First retry delay; doubles each retry. */
  backoffMs: number;
}

export interface WorkerShare {
  worker: string;
  method: string;
  shards: number;
  rows: number;
  energyJ: number;
}

export interface QueueScoreResult {
  runId: string;
  plan: ScorePlan;
  resumed: boolean;
  shardsScored: number;
  rowsScored: number;
  seconds: number;
  energyJ: number;
  /** Distinct worker methods joined with '+', e.g. "modelled:tdp". */
  method: string;
  workers: WorkerShare[];
  failed: { shard: number; rows: string; reason: string }[];
  verdict: Verdict | null;
}

export async function scoreViaQueue(opts: QueueScoreOptions): Promise<QueueScoreResult> {
  const conn = parseQueueUrl(opts.queue);
  await checkRedis(opts.queue, conn);
  const { plan, resumed, todo } = await prepareRun(opts, { sweepFirst: false });
  const out = resolve(opts.out);
  const { Queue, QueueEvents } = await import('bullmq');
  const queue = new Queue<ShardJobData, ShardJobResult>(QUEUE_NAME, { connection: conn });
  const events = new QueueEvents(QUEUE_NAME, { connection: conn });
  const runId = randomUUID();
  const started = performance.now();
  const results: ShardJobResult[] = [];
  const failed: QueueScoreResult['failed'] = [];
  try {
    await events.waitUntilReady();
    const jobs = await queue.addBulk(todo.map((shard) => ({
      name: `shard-${shard.index}`,
      data: { runId, plan, out, batchRows: opts.batchRows, shard },
      opts: {
        jobId: jobId(runId, shard.index),
        attempts: opts.attempts,
        backoff: { type: 'exponential', delay: opts.backoffMs },
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    })));
    const totalRows = todo.reduce((a, s) => a + s.end - s.start, 0);
    const bar = progressBar(`verde score (queue ${QUEUE_NAME})`, totalRows, ['shards_failed']);
    let doneRows = 0;
    // Ctrl-C / SIGTERM: withdraw this run's shards still waiting (a shard in progress finishes on its
    // worker, its part is kept), then exit 130; rerunning the command resumes.
    let onSignal: (() => void) | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      onSignal = () => {
        void Promise.all(jobs.map((j) => queue.remove(j.id!).catch(() => 0))).then((removed) => {
          const n = removed.filter((x) => x === 1).length;
          reject(new UserError(`interrupted: ${n} queued shard(s) withdrawn from ${QUEUE_NAME}; shards in progress finish on their workers; rerun the same command to resume`, 130));
        });
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    const all = Promise.all(jobs.map(async (job, i) => {
      const shard = todo[i]!;
      try {
        const r = (await job.waitUntilFinished(events)) as ShardJobResult;
        results.push(r);
      } catch (err) {
        failed.push({ shard: shard.index, rows: `${shard.start + 1}-${shard.end}`, reason: String((err as Error).message ?? err).split('\n')[0]! });
      }
      doneRows += shard.end - shard.start;
      bar.update(doneRows, { shards_failed: failed.length });
    }));
    try {
      await Promise.race([all, interrupted]);
    } finally {
      process.off('SIGINT', onSignal!);
      process.off('SIGTERM', onSignal!);
      bar.stop();
    }
  } finally {
    await events.close();
    await queue.close();
  }
  const seconds = (performance.now() - started) / 1000;
  failed.sort((a, b) => a.shard - b.shard);
  const byWorker = new Map<string, WorkerShare>();
  for (const r of results) {
    const key = `${r.worker}|${r.method}`;
    const w = byWorker.get(key) ?? { worker: r.worker, method: r.method, shards: 0, rows: 0, energyJ: 0 };
    w.shards++;
    w.rows += r.rows;
    w.energyJ += r.energyJ;
    byWorker.set(key, w);
  }
  const workers = [...byWorker.values()].sort((a, b) => a.worker.localeCompare(b.worker));
  const methods = [...new Set(workers.map((w) => w.method))].sort();
  await sweepTempParts(out); // every job of this run has ended: a temporary part now is a killed writer's
  const verdict = failed.length ? null : await verifyParts(out, plan);
  const result: QueueScoreResult = {
    runId, plan, resumed, shardsScored: results.length, rowsScored: results.reduce((a, r) => a + r.rows, 0), seconds,
    energyJ: workers.reduce((a, w) => a + w.energyJ, 0), method: methods.join('+') || 'none', workers, failed, verdict,
  };
  await writeJsonAtomic(join(out, 'score-report.json'), result);
  return result;
}
