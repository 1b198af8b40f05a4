/**
 * `verde worker --queue redis://...`: takes shard jobs from the BullMQ queue and scores each with
 * the model's inference workers (one WorkerGroup per model directory, kept between jobs), writing
 * the shard's part under the job's --out by atomic rename: the same shard always lands in the same
 * file, so a job redone after a worker died (BullMQ's stalled-job recovery, after the lock expires)
 * or retried after a failure never duplicates rows. Each job returns its rows and energy with the
 * worker's method label (energy-ledger.ts).
 */
import { hostname } from 'node:os';
import { Tracker, type EnergyReport, type MeterOptions } from '../meter/index.js';
import { openModelDir } from '../registry/model-dir.js';
import { WorkerGroup } from '../serve/worker-group.js';
import { EnergyLedger } from './energy-ledger.js';
import { checkRedis, parseQueueUrl, QUEUE_NAME } from './queue-connection.js';
import type { ShardJobData, ShardJobResult } from './queue-jobs.js';
import { scoreShard } from './score-shard.js';
import { inputColumns } from './source.js';

export interface QueueWorkerOptions {
  queue: string;
  /** Jobs this process runs at once. */
  concurrency: number;
  /** Inference worker threads per model. */
  threads: number;
  /** A job's lock lasts this long without renewal: a killed worker's shard is taken again after about this long. */
  lockMs: number;
  /** Exit after this many seconds without a job (0: never; run until SIGTERM/SIGINT). */
  idleExitS: number;
  meter?: MeterOptions;
  log?: (line: string) => void;
}

export interface QueueWorkerSummary {
  /** hostname:pid */
  worker: string;
  jobs: number;
  failed: number;
  rows: number;
  energyJ: number;
  method: string;
  /** The process's whole life under the meter (idle time included). */
  report?: EnergyReport;
}

export async function runQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorkerSummary> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const conn = parseQueueUrl(opts.queue);
  await checkRedis(opts.queue, conn);
  const me = `${hostname()}:${process.pid}`;
  const tracker = new Tracker({ intervalMs: 500, ...opts.meter });
  await tracker.start();
  const ledger = new EnergyLedger(tracker);
  const groups = new Map<string, WorkerGroup>();
  const summary: QueueWorkerSummary = { worker: me, jobs: 0, failed: 0, rows: 0, energyJ: 0, method: 'none' };
  let lastActivity = Date.now();
  let running = 0;

  const groupFor = async (dir: string, version: string): Promise<WorkerGroup> => {
    const key = `${dir}|${version}`;
    const have = groups.get(key);
    if (have) return have;
    const { manifest } = await openModelDir(dir);
    if (manifest.version !== version) throw new Error(`${dir}: model version ${manifest.version} here, ${version} in the plan (the model changed since the run was queued)`);
    const g = new WorkerGroup(dir, manifest, opts.threads, 1, null);
    try {
      await g.ready;
    } catch (err) {
      await g.close().catch(() => undefined);
      throw err;
    }
    groups.set(key, g);
    return g;
  };

  const { Worker } = await import('bullmq');
  const worker = new Worker<ShardJobData, ShardJobResult>(QUEUE_NAME, async (job) => {
    running++;
    const { plan, shard } = job.data;
    const key = `${job.id}#${job.attemptsMade}`;
    ledger.begin(key);
    const started = performance.now();
    log(`verde worker ${me}: shard ${shard.index} (rows ${shard.start + 1}-${shard.end}) started`);
    try {
      const group = await groupFor(plan.model, plan.modelVersion);
      const cols = inputColumns(group.manifest, plan.textCol ?? 'text');
      const r = await scoreShard(group, { data: plan.data, out: job.data.out, shard, batchRows: job.data.batchRows, cols });
      const e = ledger.end(key);
      summary.jobs++;
      summary.rows += r.rows;
      summary.energyJ += e.energyJ;
      summary.method = e.method;
      const seconds = (performance.now() - started) / 1000;
      log(`verde worker ${me}: shard ${shard.index} done, ${r.rows} rows in ${seconds.toFixed(2)} s, ${e.energyJ.toFixed(2)} J (${e.method})`);
      return { shard: shard.index, rows: r.rows, file: r.file, worker: me, seconds, energyJ: e.energyJ, method: e.method };
    } catch (err) {
      ledger.end(key);
      summary.failed++;
      log(`verde worker ${me}: shard ${shard.index} failed: ${String((err as Error).message ?? err).split('\n')[0]}`);
      throw err;
    } finally {
      running--;
      lastActivity = Date.now();
    }
  }, {
    connection: conn,
    concurrency: opts.concurrency,
    lockDuration: opts.lockMs,
    stalledInterval: Math.max(1000, Math.round(opts.lockMs / 2)),
    maxStalledCount: 2,
  });
  worker.on('error', (err) => log(`verde worker ${me}: queue error: ${err.message.split('\n')[0]}`));
  await worker.waitUntilReady();
  log(`verde worker ${me}: waiting for shards on ${QUEUE_NAME} (concurrency ${opts.concurrency}, ${opts.threads} inference thread(s) per model)`);

  await new Promise<void>((resolveStop) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearInterval(timer);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolveStop();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    if (opts.idleExitS > 0) {
      timer = setInterval(() => {
        if (running === 0 && Date.now() - lastActivity > opts.idleExitS * 1000) stop();
      }, 250);
    }
  });
  await worker.close(); // finishes the jobs in hand
  for (const g of groups.values()) await g.close();
  const final = await tracker.stop();
  summary.method = final.method;
  summary.report = final;
  return summary;
}
