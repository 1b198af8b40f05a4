import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { choiceFlag, choiceListFlag, intFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';
import { DEFAULT_SERVE_OPTIONS } from '../../serve/options.js';
import type { BenchOptions } from '../../bench-serve/bench.js';

/** Parsed flags: the options named as in BenchOptions, plus the CLI's own spellings. */
interface BenchFlags extends Pick<BenchOptions, 'exitModel' | 'small' | 'large' | 'url' | 'concurrency' | 'repeat' | 'p99BudgetMs' | 'maxBatchSize' | 'maxQueueDelayMs' | 'workers' | 'threads' | 'out' | 'only'> {
  store?: string;
  model?: string;
  duration: number;
  overload: boolean;
  loadGenerator: 'wrk' | 'autocannon' | 'auto';
}

/** --concurrency: up to 8 comma-separated connection counts, each checked like any whole-number flag, in rising order. */
function concurrencyList(value: string): number[] {
  const parts = value.split(',');
  if (parts.length > 8) throw new UserError(`--concurrency: "${value}" must be at most 8 comma-separated connection counts`);
  const one = intFlag('--concurrency', 1, 1024);
  return parts.map((p) => one(p.trim())).sort((a, b) => a - b);
}

// The server's settings default to `verde serve`'s own (the library's DEFAULT_SERVE_OPTIONS), so the bench measures what users run.
const D = DEFAULT_SERVE_OPTIONS;

export function registerBenchServe(program: Command): void {
  program
    .command('bench-serve')
    .description(
      'Load-test verde serve with wrk (autocannon where wrk is missing) at rising concurrency and print throughput, p50/p99 latency\n' +
        'and joules per request (with the energy method) for batch-1 vs dynamic batching, cache off/on,\n' +
        'early exit off/on and cascade off/on, then overload at 10x capacity (429 shedding, admitted p99).\n' +
        'Each scenario runs its own `verde serve` child on 127.0.0.1. Without --model it builds small real\n' +
        'ONNX models (text classifier, its early-exit twin, a small cascade partner) in a temp directory.',
    )
    .option('--model <dir>', 'model directory for the batching and cache scenarios (default: built tiny text model)')
    .option('--exit-model <dir>', 'model with earlyExit stages for early exit off/on (default: built)')
    .option('--small <dir>', 'small model of the cascade (with --large; default: built)')
    .option('--large <dir>', 'large model of the cascade (default: --model)')
    .option('--url <url>', 'bench a server that is already running (load only; its flags are its own)')
    .option('--concurrency <list>', 'connection counts to step through', concurrencyList, [1, 16, 64, 128])
    .option('--duration <s>', 'seconds per concurrency level', intFlag('--duration', 1, 120), 3)
    .option('--repeat <n>', 'interleaved rounds over the scenarios; medians are reported (steadier on a busy machine)', intFlag('--repeat', 1, 10), 1)
    .option('--p99-budget-ms <ms>', 'latency budget for comparing batch-1 and dynamic batching', intFlag('--p99-budget-ms', 1), 250)
    .option('--max-batch-size <n>', 'dynamic batching: max batch size (default as verde serve)', intFlag('--max-batch-size', 2, 1024), D.maxBatchSize)
    .option('--max-queue-delay-ms <ms>', 'dynamic batching: max queue delay (default as verde serve)', intFlag('--max-queue-delay-ms', 0, 10_000), D.maxQueueDelayMs)
    .option('--workers <n>', 'inference workers per model in the server (default as verde serve: one per core)', intFlag('--workers', 1, 256), D.workers)
    .option('--threads <n>', 'ONNX Runtime threads per inference worker in the server', intFlag('--threads', 1, 256), D.threads)
    .option('--no-overload', 'skip the 10x-capacity overload run')
    .option('--only <groups>', 'run only these groups: batching, cache, early-exit, cascade, overload (comma-separated; overload needs batching)', choiceListFlag('--only', ['batching', 'cache', 'early-exit', 'cascade', 'overload']))
    .option('--load-generator <name>', 'auto (wrk when on PATH, else autocannon), wrk or autocannon; wrk costs far less CPU on the shared cores', choiceFlag('--load-generator', ['auto', 'wrk', 'autocannon']), 'auto')
    .option('--out <file>', 'results JSON', './verde-out/bench-serve/results.json')
    .option(...STORE_FLAG)
    .action(async (flags: BenchFlags) => {
      if ((flags.small && !flags.large && !flags.model) || (flags.large && !flags.small)) {
        throw new UserError('bench-serve: --small and --large go together (--large defaults to --model)');
      }
      const { runBench } = await import('../../bench-serve/bench.js');
      let cleanup = async () => {};
      let model = flags.model;
      let exitModel = flags.exitModel;
      let small = flags.small;
      let large = flags.large ?? (flags.small ? flags.model : undefined);
      if (!model) {
        const { mkdtemp, rm } = await import('node:fs/promises');
        const { tmpdir } = await import('node:os');
        const { join } = await import('node:path');
        const { writeTinyTextModel } = await import('../../bench-serve/tiny-models.js');
        const root = await mkdtemp(join(tmpdir(), 'verde-bench-serve-'));
        cleanup = () => rm(root, { recursive: true, force: true });
        model = join(root, 'text');
        process.stderr.write(`bench-serve: no --model; building tiny real ONNX text models in ${root}\n`);
        await writeTinyTextModel(model, { name: 'bench-text', hidden: 1536, layers: 4, maxLength: 128 });
        exitModel ??= join(root, 'text-exit');
        await writeTinyTextModel(exitModel, { name: 'bench-text-exit', hidden: 1536, layers: 4, maxLength: 128, scale: 16, earlyExit: true, exitThreshold: 0.9 });
        if (!small) {
          small = join(root, 'text-small');
          await writeTinyTextModel(small, { name: 'bench-text-small', hidden: 32, layers: 1, maxLength: 128, scale: 12 });
          large = model;
        }
      }
      const startedAt = new Date().toISOString();
      try {
        const bench = await runBench({
          model,
          exitModel,
          small,
          large,
          url: flags.url,
          concurrency: flags.concurrency,
          durationS: flags.duration,
          repeat: flags.repeat,
          p99BudgetMs: flags.p99BudgetMs,
          maxBatchSize: flags.maxBatchSize,
          maxQueueDelayMs: flags.maxQueueDelayMs,
          workers: flags.workers,
          threads: flags.threads,
          out: flags.out,
          noOverload: !flags.overload,
          only: flags.only,
          loadGenerator: flags.loadGenerator,
        });
        const { recordRun, benchRun } = await import('../../store/index.js');
        recordRun(benchRun(bench.levels, { ...flags }, startedAt, flags.model ?? 'tiny-bench-model'), flags.store);
      } finally {
        await cleanup();
      }
    });
}
