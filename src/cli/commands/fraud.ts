import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { countFlag, intFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';
import { caseRegistryFlags } from '../registry-flags.js';
import { FRAUD_DEFAULTS, FRAUD_WHOLE_FLAGS as W } from '../../cases/fraud/options.js';

interface FraudFlags {
  rows?: string;
  data?: string;
  labelCol?: string;
  positive?: string;
  out: string;
  seed: string;
  country?: string;
  clients: string;
  threads?: string;
  skip?: string[];
  store?: string;
  register?: boolean;
  registry?: string;
  targetMetric?: string;
}

export function registerFraud(program: Command): void {
  caseRegistryFlags(program
    .command('fraud')
    .description(
      'The guide\'s §5 fraud-detection case, end to end with numbers. Generates card transactions (or reads\n' +
        'your file), runs the DuckDB data stage, trains a gradient-boosted-tree baseline, and measures each\n' +
        'green technique against its plain counterpart on the same held-out rows: data minimisation, active\n' +
        'learning, TPE vs grid search, GBDT vs a deep MLP, pruning, 8-bit quantisation, distillation,\n' +
        'transfer, federated learning (real client processes over HTTP on 127.0.0.1) and batched scoring.\n' +
        'Writes DIR/results.json, DIR/results.csv, DIR/results.md and every model as a verde model directory\n' +
        '(DIR/models/<name>/model.onnx + verde.json), then prints the table. Energy figures carry their method.\n' +
        'Example: verde fraud --rows 200k --out fraud-results --country ESP',
    )
    .option('--rows <n>', 'generated transactions (10k..10M; 200k takes a few minutes on 2 cores)', String(FRAUD_DEFAULTS.rows))
    .option('--data <file>', 'a CSV or Parquet file instead of generated transactions: numeric and text columns; empty, NA, NaN, null and +-Inf read as missing; a malformed row or text in a numeric column is an error')
    .option('--label-col <name>', 'with --data: the column holding the class')
    .option('--positive <value>', 'with --data: the label value of the positive (fraud) class; default 1, true, or the minority class')
    .option('--out <dir>', 'results directory (replaced atomically when the run completes)', './verde-out/fraud')
    .option('--seed <n>', 'seed for data generation, splits, searches and initialisation', String(FRAUD_DEFAULTS.seed))
    .option('--country <ISO3>', 'grid carbon intensity of this country (ESP, FRA, USA); default world average')
    .option('--clients <n>', 'federated client processes (2..8), one institution each', String(FRAUD_DEFAULTS.clients))
    .option('--threads <n>', 'threads for GBDT histograms and ONNX Runtime (default: cores, at most 4)')
    .option(...STORE_FLAG), 'fraud-<name>', 'prAuc=0.8')
    .option('--skip <technique...>', 'leave techniques out: minimisation gbdt-vs-mlp hpo active-learning pruning quantisation distillation transfer federated batching')
    .action(async (flags: FraudFlags, cmd: Command) => {
      const rowsGiven = cmd.getOptionValueSource('rows') === 'cli';
      if (flags.data !== undefined && rowsGiven) throw new UserError('--rows: only applies to generated data, not with --data');
      if (flags.country !== undefined) {
        const { requireCountry } = await import('../../meter/index.js');
        requireCountry(flags.country);
      }
      const g = await import('../../govern/fraud-register.js');
      const seed = intFlag(...W.seed)(flags.seed);
      const rows = flags.data === undefined ? countFlag(...W.rows)(flags.rows ?? String(FRAUD_DEFAULTS.rows)) : undefined;
      const source = await g.fraudRegistryStart(flags, { dataFile: flags.data, rows, seed });
      const { runFraudCase } = await import('../../cases/fraud/index.js');
      const startedAt = new Date().toISOString();
      const run = await runFraudCase({
        rows,
        dataFile: flags.data,
        labelCol: flags.labelCol,
        positive: flags.positive,
        outDir: flags.out,
        seed,
        country: flags.country,
        clients: intFlag(...W.clients)(flags.clients),
        threads: flags.threads !== undefined ? intFlag(...W.threads)(flags.threads) : undefined,
        skip: flags.skip,
      });
      process.stdout.write(run.table + '\n');
      process.stdout.write(`results: ${run.outDir}/results.json, results.csv, models/ (${run.results.models.length} models)\n`);
      const s = await import('../../store/index.js');
      await s.recordWith(() => s.fraudRun(run.results, run.outDir, { ...flags }, startedAt), flags.store, { 'tabular-classification': s.fraudDataset(run.results) });
      if (flags.register && source) await g.registerFraudRun(flags, source, run);
      if (run.failed.length > 0) {
        process.stderr.write(`verde: ${run.failed.length} technique(s) failed: ${run.failed.map((f) => `${f.name} (${f.reason})`).join('; ')}\n`);
        process.exitCode = 1;
      }
    });
}
