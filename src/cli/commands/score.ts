import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { countFlag, intFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';
import { pushUrlFlag } from '../push-flag.js';

interface ScoreFlags {
  model: string;
  data: string;
  out: string;
  batchRows: string;
  shardRows: string;
  threads?: string;
  textCol: string;
  queue?: string;
  attempts: string;
  backoffMs: string;
  country?: string;
  push?: string;
  pushJob: string;
  store?: string;
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description(
      'Score a table with a model, in batches, streaming through DuckDB: predictions go to --out as zstd Parquet\n' +
        'parts (part-00000.parquet, ...: row = 1-based input row, label, p_<label> per label), one per shard of\n' +
        '--shard-rows rows, each written whole by an atomic rename. Prints rows/s, energy with its method, J per\n' +
        '1,000 rows and gCO2e; records the run in the run store. Resumable: OUT/score.json holds the plan, and a\n' +
        'rerun scores only the shards without a part. With --queue redis://HOST:PORT the shards become BullMQ jobs\n' +
        'that `verde worker` processes (any number, on machines that see the same --data, --model and --out paths);\n' +
        'this command waits, checks every row is in the output exactly once and sums the workers\' energy.\n' +
        'Example: verde score --model verde-out/fraud/models/gbdt --data "tx/*.parquet" --out scores',
    )
    .requiredOption('--model <dir>', 'verde model directory (tabular: verde fraud\'s models; text: verde text\'s)')
    .requiredOption('--data <file|glob>', 'CSV, JSONL or Parquet file, or a quoted glob of them (read in name order)')
    .requiredOption('--out <dir>', 'folder for the part files, score.json (the plan) and score-report.json')
    .option('--batch-rows <n>', 'rows per inference batch', '4096')
    .option('--shard-rows <n>', 'rows per shard: one part file, one queue job (200k, 1m allowed)', '100k')
    .option('--threads <n>', 'inference worker threads (default: the usable cores)')
    .option('--text-col <name>', 'text models: the column holding the text', 'text')
    .option('--queue <redis-url>', 'distribute the shards over `verde worker` processes through this Redis (BullMQ)')
    .option('--attempts <n>', 'with --queue: tries per shard before it counts as failed', '3')
    .option('--backoff-ms <ms>', 'with --queue: delay before the first retry (doubles each retry)', '1000')
    .option('--country <ISO3>', 'grid carbon intensity for gCO2e (ESP, FRA, ...); default: world average')
    .option('--push <url>', 'push the finished job\'s metrics to this Prometheus Pushgateway (http://HOST:9091)', pushUrlFlag)
    .option('--push-job <name>', 'with --push: the Pushgateway job name', 'verde_score')
    .option(...STORE_FLAG)
    .action(async (flags: ScoreFlags) => {
      const batchRows = countFlag('--batch-rows', 1, 1_000_000)(flags.batchRows);
      const shardRows = countFlag('--shard-rows', 1)(flags.shardRows);
      const { usableCores } = await import('../../util/cores.js');
      const threads = flags.threads !== undefined ? intFlag('--threads', 1, 256)(flags.threads) : usableCores();
      const meter = await import('../../meter/index.js');
      if (flags.country !== undefined) meter.requireCountry(flags.country);
      const common = { model: flags.model, data: flags.data, out: flags.out, batchRows, shardRows, textCol: flags.textCol };
      const store = await import('../../store/index.js');
      const err = process.stderr;
      if (flags.queue) {
        const attempts = intFlag('--attempts', 1, 100)(flags.attempts);
        const backoffMs = intFlag('--backoff-ms', 0)(flags.backoffMs);
        const { scoreViaQueue } = await import('../../score/index.js');
        const r = await scoreViaQueue({ ...common, queue: flags.queue, attempts, backoffMs });
        const run = store.baseRun('score', { ...flags }, { country: flags.country, id: r.runId });
        run.durationS = r.seconds;
        run.energyJ = r.energyJ;
        run.energyMethod = r.method;
        run.co2eGrams = (r.energyJ / 3.6e6) * run.carbon.gPerKWh;
        run.components = r.workers.map((w) => ({ component: `worker ${w.worker}`, energyJ: w.energyJ, meanPowerW: null, method: w.method }));
        run.phases = r.workers.map((w) => ({ name: `score: worker ${w.worker} (${w.shards} shards, ${w.rows} rows)`, phase: 'serving' as const, durationS: r.seconds, energyJ: w.energyJ, co2eGrams: (w.energyJ / 3.6e6) * run.carbon.gPerKWh, method: w.method }));
        run.variants = [scoreVariant(store, r.plan, r.rowsScored, r.seconds, r.energyJ, run.co2eGrams, r.method)];
        err.write(`verde score: ${r.plan.modelName} over ${r.plan.data}: ${r.shardsScored} of ${r.plan.shards} shards scored through ${flags.queue} by ${r.workers.length} worker process(es)${r.resumed ? ' (resumed)' : ''}\n`);
        for (const w of r.workers) err.write(`  worker ${w.worker}: ${w.shards} shards, ${w.rows} rows, ${meter.formatEnergy(w.energyJ)} (${w.method})\n`);
        err.write(figuresLine(r.rowsScored, r.seconds, r.energyJ, r.method, run.co2eGrams, run.carbon.gPerKWh) + `; wrote ${flags.out}\n`);
        store.recordRun(run, flags.store);
        if (flags.push) err.write(`verde score: ${meter.pushLine(await meter.pushMetrics(flags.push, flags.pushJob, (await import('../../score/metrics.js')).queueScoreMetrics(r)))}\n`);
        if (r.failed.length) {
          for (const f of r.failed) err.write(`verde score: shard ${f.shard} (rows ${f.rows}) failed after ${attempts} attempt(s): ${f.reason}\n`);
          err.write(`verde score: ${r.failed.length} of ${r.plan.shards} shards failed; rerun the same command to retry them\n`);
          process.exitCode = 1;
        } else if (r.verdict && !r.verdict.ok) {
          err.write(`verde score: the output does not cover the input exactly once: ${r.verdict.problem}\n`);
          process.exitCode = 1;
        } else {
          err.write(`verde score: every one of ${r.plan.rows} rows is in the output exactly once\n`);
        }
        return;
      }
      const { scoreLocal } = await import('../../score/index.js');
      const r = await scoreLocal({ ...common, threads, meter: { country: flags.country } });
      const e = r.energy;
      err.write(`verde score: ${r.plan.modelName} over ${r.plan.data}: ${r.shardsScored} of ${r.plan.shards} shards scored with ${threads} inference thread(s)${r.resumed ? ` (resumed: ${r.plan.shards - r.shardsScored} already done)` : ''}\n`);
      err.write(figuresLine(r.rowsScored, r.seconds, e.energyJ, e.method, e.co2eGrams, e.carbonIntensityGPerKWh) + `; wrote ${flags.out}\n`);
      const { writeJsonAtomic } = await import('../../util/atomic.js');
      const { join } = await import('node:path');
      await writeJsonAtomic(join(flags.out, 'score-report.json'), { plan: r.plan, resumed: r.resumed, shardsScored: r.shardsScored, rowsScored: r.rowsScored, seconds: r.seconds, energyJ: e.energyJ, method: e.method, co2eGrams: e.co2eGrams, jPer1000Rows: r.rowsScored > 0 ? (1000 * e.energyJ) / r.rowsScored : null });
      const run = store.meterRun('score', { ...flags }, e, `score ${r.plan.modelName}`);
      run.variants = [scoreVariant(store, r.plan, r.rowsScored, r.seconds, e.energyJ, e.co2eGrams, e.method)];
      store.recordRun(run, flags.store);
      if (flags.push) {
        const { localScoreMetrics } = await import('../../score/metrics.js');
        err.write(`verde score: ${meter.pushLine(await meter.pushMetrics(flags.push, flags.pushJob, localScoreMetrics(r.plan.modelName, r.rowsScored, r.seconds, e)))}\n`);
      }
    });
}

function figuresLine(rows: number, seconds: number, energyJ: number, method: string, co2eGrams: number, gPerKWh: number): string {
  const rate = seconds > 0 ? rows / seconds : 0;
  const per1000 = rows > 0 ? (1000 * energyJ) / rows : NaN;
  return `verde score: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rate)} rows/s); energy ${energyJ.toFixed(2)} J (${method}), ${Number.isFinite(per1000) ? per1000.toFixed(3) : 'n/a'} J per 1,000 rows, ${co2eGrams.toFixed(4)} gCO2e at ${gPerKWh.toFixed(0)} g/kWh`;
}

type Store = typeof import('../../store/index.js');
type Plan = import('../../score/index.js').ScorePlan;

/** The model as a serving variant of the run: rows, rate and energy per row (the report's comparisons). */
function scoreVariant(store: Store, plan: Plan, rows: number, seconds: number, energyJ: number, co2eGrams: number, method: string) {
  return {
    ...store.blankVariant(`score ${plan.modelName}`, plan.modelName, plan.textCol === null ? 'tabular-classification' : 'text-classification', method),
    throughputPerS: seconds > 0 ? rows / seconds : null,
    energyJPerInference: rows > 0 ? energyJ / rows : null,
    energyJ, co2eGrams, inferences: rows, secondsPerInference: rows > 0 ? seconds / rows : null, modelDir: plan.model,
  };
}
