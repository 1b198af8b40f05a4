import type { Command } from 'commander';
import { dataGroup } from './data-group.js';
import { numberFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';
import { DEFAULT_QUALITY_BUDGET, QUALITY_BUDGET_BOUNDS } from '../../data/minimise/quality-budget.js';

interface MinimiseFlags {
  out: string; store?: string; plan?: string; labelCol?: string; textCol?: string; textEpochs?: string; seed: string; evaluate?: boolean; qualityBudget: string; memoryLimit?: string;
  filter?: string; missing?: string; outliers?: string; variance?: boolean; correlation?: string | boolean; dedup?: string | boolean;
  nearDedup?: string | boolean; textDedup?: string; jaccard?: string; features?: string; rebalance?: string; sample?: string; compact?: string | boolean;
}

/** Step flags -> plan steps, in the order the steps make sense: cheap row filters first, storage last. */
async function stepsFromFlags(o: MinimiseFlags): Promise<Record<string, unknown>[]> {
  const { UserError } = await import('../../util/errors.js');
  const num = (flag: string, v: string) => numberFlag(flag)(v);
  const list = (v: string | boolean | undefined) => (typeof v === 'string' ? { columns: v.split(',').map((c) => c.trim()).filter(Boolean) } : {});
  const steps: Record<string, unknown>[] = [];
  if (o.filter !== undefined) steps.push({ step: 'filter', where: o.filter });
  if (o.missing !== undefined) steps.push({ step: 'missing', maxShare: num('--missing', o.missing) });
  if (o.outliers !== undefined) {
    const [method, v] = o.outliers.split(':');
    if (method !== 'z' && method !== 'iqr') throw new UserError(`--outliers: "${o.outliers}" must be z[:n] or iqr[:k]`);
    steps.push({ step: 'outliers', method, ...(v !== undefined ? { [method === 'z' ? 'z' : 'k']: num('--outliers', v) } : {}) });
  }
  if (o.variance) steps.push({ step: 'variance' });
  if (o.correlation !== undefined) steps.push({ step: 'correlation', ...(typeof o.correlation === 'string' ? { threshold: num('--correlation', o.correlation) } : {}) });
  if (o.dedup !== undefined) steps.push({ step: 'dedup', ...list(o.dedup) });
  if (o.nearDedup !== undefined) steps.push({ step: 'nearDedup', ...(typeof o.nearDedup === 'string' ? { decimals: num('--near-dedup', o.nearDedup) } : {}) });
  if (o.textDedup !== undefined) steps.push({ step: 'textDedup', column: o.textDedup, ...(o.jaccard !== undefined ? { threshold: num('--jaccard', o.jaccard) } : {}) });
  if (o.features !== undefined) {
    const v = num('--features', o.features);
    steps.push({ step: 'features', ...(v >= 1 ? { count: v } : { share: v }) });
  }
  if (o.rebalance !== undefined) steps.push({ step: 'rebalance', ratio: num('--rebalance', o.rebalance) });
  if (o.sample !== undefined) steps.push({ step: 'sample', rows: num('--sample', o.sample) });
  if (o.compact !== undefined) steps.push({ step: 'compact', ...(typeof o.compact === 'string' ? { tolerance: num('--compact', o.compact) } : {}) });
  return steps;
}

/** `verde data minimise FILE --out DIR`: a declared plan of §1 steps, each measured and audited. */
export function registerDataMinimise(program: Command): void {
  dataGroup(program)
    .command('minimise')
    .alias('minimize')
    .argument('<file>', 'data file: .csv, .tsv, .jsonl, .json or .parquet')
    .summary('filter, deduplicate, select and compact a data set step by step, with what each step saves')
    .description(
      'Run a declared plan of data-minimisation steps in DuckDB. Each step reports rows, columns and\n' +
        'zstd Parquet bytes before -> after, time and energy, and keeps a sample of what it removed in\n' +
        'DIR/removed/<step>.parquet. DIR gets minimised.parquet, plan.json (the plan as run, reusable with\n' +
        '--plan) and minimise.json. Give --plan FILE or step flags (run in the order listed here).\n' +
        'Steps: filter, missing, outliers, variance, correlation, dedup, nearDedup, textDedup, features,\n' +
        'rebalance, sample, compact (docs/data.md has every parameter).',
    )
    .requiredOption('--out <dir>', 'output directory (replaced only when the run succeeds)')
    .option('--plan <file>', 'plan.json: {"labelCol": ..., "seed": 1, "steps": [{"step": "dedup"}, ...]}')
    .option('--label-col <name>', 'label column (needed by features, rebalance, sample and --evaluate)')
    .option('--text-col <name>', 'text data: the text column (default: the --text-dedup column); --evaluate then trains the linear text model')
    .option('--seed <n>', 'seed of the test split and of sampling', '1')
    .option('--filter <sql>', 'drop rows where this SQL predicate is true, e.g. "amount < 5 AND channel = \'pos\'"')
    .option('--missing <share>', 'drop columns missing in more than this share of rows')
    .option('--outliers <method>', 'drop rows with an outlying numeric value: z[:n] (|z| > n, default 4) or iqr[:k] (default 3)')
    .option('--variance', 'drop near-constant columns (top value >= 99% of rows, or zero variance)')
    .option('--correlation [r]', 'drop one column of each numeric pair with |r| above r (default 0.95)')
    .option('--dedup [cols]', 'drop exact duplicate rows (hash of these comma-separated columns, default all)')
    .option('--near-dedup [decimals]', 'drop near-duplicate rows: numbers rounded (default 2 decimals), text case/space folded')
    .option('--text-dedup <col>', 'drop near-duplicate texts in this column: MinHash + LSH on 3-word shingles')
    .option('--jaccard <t>', 'Jaccard similarity for --text-dedup (default 0.8)')
    .option('--features <n>', 'keep the n most important features (GBDT gain), or the fewest covering a share if 0 < n < 1')
    .option('--rebalance <ratio>', 'undersample each class to at most ratio x the smallest class')
    .option('--sample <rows>', 'stratified sample of this many rows')
    .option('--compact [tolerance]', 'narrow numeric types where lossless within a relative tolerance (default 1e-6)')
    .option('--evaluate', "train verde's default model (GBDT; for text the linear n-gram text model) on the original and the\nminimised training rows, the same held-out test rows; report quality and training energy")
    .option('--quality-budget <drop>', 'flag a step that loses more than this (ROC-AUC for tabular data, accuracy for text)', String(DEFAULT_QUALITY_BUDGET))
    .option('--text-epochs <n>', 'epochs of the linear text model --evaluate trains on text', '5')
    .option('--memory-limit <size>', "DuckDB's memory limit; beyond it, it spills to disk", '1GB')
    .option(...STORE_FLAG)
    .action(async (file: string, opts: MinimiseFlags) => {
      const { UserError } = await import('../../util/errors.js');
      const { checkPlan, runMinimise, formatMinimise } = await import('../../data/minimise/index.js');
      const seed = numberFlag('--seed', { integer: true })(opts.seed);
      const budget = numberFlag('--quality-budget', QUALITY_BUDGET_BOUNDS)(opts.qualityBudget);
      const textEpochs = numberFlag('--text-epochs', { integer: true, min: 1 })(opts.textEpochs ?? '5');
      const flagSteps = await stepsFromFlags(opts);
      let raw: Record<string, unknown>;
      if (opts.plan) {
        if (flagSteps.length) throw new UserError('--plan and step flags: give one or the other');
        const { readFile } = await import('node:fs/promises');
        let text: string;
        try {
          text = await readFile(opts.plan, 'utf8');
        } catch {
          throw new UserError(`${opts.plan}: cannot read the plan file`);
        }
        try {
          raw = JSON.parse(text) as Record<string, unknown>;
        } catch (err) {
          throw new UserError(`${opts.plan}: not valid JSON (${(err as Error).message})`);
        }
        if (raw && typeof raw === 'object' && opts.labelCol !== undefined) raw.labelCol = opts.labelCol;
        if (raw && typeof raw === 'object' && opts.textCol !== undefined) raw.textCol = opts.textCol;
      } else {
        if (flagSteps.length === 0) throw new UserError('no steps: give --plan FILE or step flags (see --help)');
        raw = { seed, steps: flagSteps, ...(opts.labelCol !== undefined ? { labelCol: opts.labelCol } : {}), ...(opts.textCol !== undefined ? { textCol: opts.textCol } : {}) };
      }
      const plan = checkPlan(raw, opts.plan ?? 'plan (from flags)');
      const r = await runMinimise({
        input: file, outDir: opts.out, plan, evaluate: opts.evaluate, qualityBudget: budget, memoryLimit: opts.memoryLimit, textModel: { epochs: textEpochs },
        log: (line) => process.stderr.write(line + '\n'),
      });
      process.stdout.write(formatMinimise(r) + '\n');
      const { recordRun, meterRun } = await import('../../store/index.js');
      recordRun(meterRun('data minimise', { file, ...opts }, r.energy), opts.store);
      process.stdout.write(`figures: ${opts.out}/minimise.json, plan: ${opts.out}/plan.json, removed samples: ${opts.out}/removed/\n`);
    });
}
