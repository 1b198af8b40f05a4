import type { Command } from 'commander';
import { dataGroup } from './data-group.js';
import { numberFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';

/** `verde data profile FILE`: what a data set holds (§1), from streaming DuckDB aggregates. */
export function registerDataProfile(program: Command): void {
  dataGroup(program)
    .command('profile')
    .argument('<file>', 'data file: .csv, .tsv, .jsonl, .json or .parquet')
    .summary('rows, types, missing values, duplicates, correlations and label balance of a file')
    .description(
      'Profile a data file through DuckDB without loading it into memory: rows, columns, types, missing\n' +
        'share, distinct counts (approximate), numeric ranges, near-constant columns, highly correlated\n' +
        'pairs, exact and near duplicates, label balance, and its size as read and as zstd Parquet.',
    )
    .option('--label-col <name>', 'label column: report its class balance')
    .option('--corr <r>', '|r| above which a numeric pair is reported', '0.95')
    .option('--json <file>', 'also write the profile as JSON')
    .option(...STORE_FLAG)
    .action(async (file: string, opts: { labelCol?: string; corr: string; json?: string; store?: string }) => {
      const corr = numberFlag('--corr', { above: 0, below: 1 })(opts.corr);
      const { profileFile, formatProfile } = await import('../../data/profile/index.js');
      const { measure } = await import('../../meter/index.js');
      const { result: p, energy } = await measure(() => profileFile(file, { labelCol: opts.labelCol, corrThreshold: corr }), { scope: 'process' });
      process.stdout.write(formatProfile(p) + '\n');
      if (opts.json) {
        const { writeJsonAtomic } = await import('../../util/atomic.js');
        await writeJsonAtomic(opts.json, p);
        process.stdout.write(`profile: ${opts.json}\n`);
      }
      const { recordRun, meterRun } = await import('../../store/index.js');
      recordRun(meterRun('data profile', { file, ...opts }, energy), opts.store);
    });
}
