/**
 * `verde data select`: active learning on a user's pool (§1.6) — which rows to label next, and
 * (--simulate) how many labels that saves against random sampling on a fully labelled file.
 */
import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { choiceFlag, intFlag, numberFlag } from '../flags.js';
import { dataGroup } from './data-group.js';
import { STORE_FLAG } from '../store-flag.js';

const STRATEGIES = ['uncertainty', 'margin', 'diversity'];

export function registerDataSelect(program: Command): void {
  dataGroup(program)
    .command('select')
    .description(
      "Active learning on your own data (§1.6): train verde's GBDT on the rows labelled so far, score the\n" +
        'unlabelled pool and write the next --budget rows to label to --out (CSV: row id, score, priority,\n' +
        "then the pool's columns). Label them, append them to the labelled file (keep the row id column)\n" +
        'and run again: rows already labelled are left out. --simulate replays the loop on a fully labelled\n' +
        '--pool and reports the labels needed to reach --target PR-AUC against random sampling.\n' +
        'Examples: verde data select --pool pool.csv --labelled labelled.csv --label-col fraud --budget 50 --out next.csv\n' +
        '          verde data select --simulate --pool all.csv --label-col fraud --budget 50 --target 0.8',
    )
    .requiredOption('--pool <file>', 'the rows to choose from, .csv/.tsv/.jsonl/.json/.parquet (with --simulate: fully labelled)')
    .option('--labelled <file>', 'the rows labelled so far, any of those formats (same feature columns plus --label-col)')
    .option('--label-col <name>', 'label column (binary)', 'label')
    .option('--budget <n>', 'rows to select (with --simulate: labels per round)', intFlag('--budget', 1), 50)
    .option('--strategy <s>', `uncertainty, margin or diversity`, 'uncertainty')
    .option('--id-col <name>', 'column identifying pool rows (default: row_id, the row number in --pool)')
    .option('--out <file>', 'where the selected rows go (CSV; with --simulate: JSON)', 'verde-out/select.csv')
    .option('--simulate', 'replay the loop on a fully labelled --pool against random sampling')
    .option('--target <pr-auc>', 'with --simulate: held-out PR-AUC to reach', numberFlag('--target', { above: 0, max: 1 }), 0.8)
    .option('--seed <n>', 'seed for the held-out split, the seed set and ties', numberFlag('--seed'), 42)
    .option(...STORE_FLAG)
    .action(async (o: Record<string, unknown>) => {
      const strategy = String(o.strategy);
      choiceFlag('--strategy', STRATEGIES)(strategy);
      const { selectToLabel, simulateSelection } = await import('../../data/active-learning/index.js');
      const { writeJsonAtomic } = await import('../../util/atomic.js');
      const { measure } = await import('../../meter/index.js');
      const { recordRun, meterRun } = await import('../../store/index.js');
      const flags = { ...o };
      type S = 'uncertainty' | 'margin' | 'diversity';
      if (o.simulate) {
        const { result: r, energy } = await measure(() => simulateSelection({ file: o.pool as string, labelCol: o.labelCol as string, strategy: strategy as S, budget: o.budget as number, target: o.target as number, seed: o.seed as number, idCol: o.idCol as string | undefined }), { scope: 'process' });
        const out = String(o.out).endsWith('.csv') ? String(o.out).replace(/\.csv$/, '.json') : (o.out as string);
        await writeJsonAtomic(out, r);
        const said = (x: { labelsToTarget?: number; curve: { labels: number; prAuc: number }[] }) => (x.labelsToTarget !== undefined ? `${x.labelsToTarget} labels` : `not reached (best PR-AUC ${Math.max(...x.curve.map((p) => p.prAuc)).toFixed(3)} at ${x.curve[x.curve.length - 1]!.labels} labels)`);
        process.stdout.write(`verde data select --simulate: ${r.poolRows} pool rows, ${r.testRows} held out; labels to reach PR-AUC ${r.target}: ${strategy} ${said(r.strategy)}, random ${said(r.random)}` +
          (r.labelRatio !== null ? ` (${strategy} needs ${(100 * r.labelRatio).toFixed(0)} % of random's labels)` : '') + `\nWrote ${out}\n`);
        recordRun(meterRun('data select', flags, energy), o.store as string | undefined);
        return;
      }
      if (!o.labelled) throw new UserError('--labelled: the file of rows labelled so far is required (or --simulate on a fully labelled --pool)');
      const { result: r, energy } = await measure(() => selectToLabel({ pool: o.pool as string, labelled: o.labelled as string, budget: o.budget as number, strategy: strategy as S, labelCol: o.labelCol as string, idCol: o.idCol as string | undefined, out: o.out as string, seed: o.seed as number }), { scope: 'process' });
      process.stdout.write(`verde data select: trained on ${r.labelledRows} labelled rows (${r.labelledPositives} positive); pool ${r.poolRows} rows, ${r.alreadyLabelled} already labelled; ` +
        `wrote the next ${r.selected.length} to label (${strategy}) to ${r.out}\n`);
      recordRun(meterRun('data select', flags, energy), o.store as string | undefined);
    });
}
