import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { intFlag, numberFlag } from '../flags.js';
import { pushUrlFlag } from '../push-flag.js';

interface WorkerFlags {
  queue: string;
  concurrency: string;
  threads: string;
  lockMs: string;
  idleExit: string;
  push?: string;
  pushJob: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Process `verde score --queue` shards from a BullMQ queue on Redis until stopped (SIGTERM/SIGINT finish the\n' +
        'shards in hand). Each shard is scored with the model\'s inference workers and written to the job\'s --out\n' +
        'as its part file by an atomic rename, so a shard redone elsewhere (this worker killed, its job recovered\n' +
        'as stalled once its lock expires) never duplicates rows. Each job reports its energy with this machine\'s\n' +
        'method. The model, data and output paths must be visible here as on the producer (a shared volume).\n' +
        'Example: verde worker --queue redis://redis:6379 --concurrency 1 --threads 2',
    )
    .requiredOption('--queue <redis-url>', 'the Redis the producer queued to (redis://HOST:PORT[/DB])')
    .option('--concurrency <n>', 'shards this process scores at once', '1')
    .option('--threads <n>', 'inference worker threads per model', '1')
    .option('--lock-ms <ms>', 'job lock duration: a killed worker\'s shard is taken again after about this long', '30000')
    .option('--idle-exit <seconds>', 'exit after this long without a shard (0: never; Kubernetes Jobs use it)', '0')
    .option('--push <url>', 'at exit, push this worker\'s metrics to a Prometheus Pushgateway (grouped by instance=HOST:PID)', pushUrlFlag)
    .option('--push-job <name>', 'with --push: the Pushgateway job name', 'verde_worker')
    .action(async (flags: WorkerFlags) => {
      const concurrency = intFlag('--concurrency', 1, 64)(flags.concurrency);
      const threads = intFlag('--threads', 1, 256)(flags.threads);
      const lockMs = intFlag('--lock-ms', 1000)(flags.lockMs);
      const idleExitS = numberFlag('--idle-exit', { min: 0 })(flags.idleExit);
      const { runQueueWorker } = await import('../../score/index.js');
      const { formatEnergy, pushMetrics, pushLine } = await import('../../meter/index.js');
      const s = await runQueueWorker({ queue: flags.queue, concurrency, threads, lockMs, idleExitS });
      process.stderr.write(`verde worker: stopped after ${s.jobs} shard(s) (${s.failed} failed), ${s.rows} rows, ${formatEnergy(s.energyJ)} in shards (${s.method})\n`);
      if (flags.push) {
        const { workerMetrics } = await import('../../score/metrics.js');
        process.stderr.write(`verde worker: ${pushLine(await pushMetrics(flags.push, flags.pushJob, workerMetrics(s), { grouping: { instance: s.worker } }))}\n`);
      }
    });
}
