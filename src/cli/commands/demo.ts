import type { Command } from 'commander';
import { join } from 'node:path';
import { choiceFlag, countFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';

/**
 * `verde demo`: the main job. Runs the guide's two worked cases back to back on the embedded,
 * offline defaults — the §6.1 text classifier (train, prune, quantise, compare) and the §5 fraud
 * case (data minimisation, GBDT, every technique against its plain counterpart) — under one meter
 * run, and writes the demo's own emissions.csv / JSON summary / metrics.prom beside the results.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      "Run the guide's two worked cases offline on the embedded data: the §6.1 text classifier\n" +
        '(SpamAssassin, small DistilBERT from scratch: train, prune, quantise, compare) and the §5 fraud\n' +
        'case (generated transactions: data minimisation, GBDT and every technique vs its counterpart).\n' +
        'Results go to DIR/text/, DIR/fraud/ and the whole run\'s energy to DIR/emissions.csv.',
    )
    .option('--out <dir>', 'output directory', './verde-out')
    .option('--country <iso3>', 'country for the grid carbon intensity, e.g. ESP (default: world average)')
    .option('--rows <n>', 'generated transactions for the fraud case (default 200000)', countFlag('--rows', 10_000, 10_000_000))
    .option('--only <case>', 'run one part: text, fraud or data (§1 minimisation of the mail corpus and of transactions)')
    .option(...STORE_FLAG)
    .action(async (opts: { out: string; country?: string; rows?: number; only?: string; store?: string }) => {
      if (opts.only !== undefined) choiceFlag('--only', ['text', 'fraud', 'data'])(opts.only);
      const { Tracker, requireCountry, writeRunOutputs, summaryText, checkEmissionsCsv } = await import('../../meter/index.js');
      if (opts.country) requireCountry(opts.country);
      // A malformed emissions.csv is reported before minutes of work, not after.
      await checkEmissionsCsv(join(opts.out, 'emissions.csv'));
      const tracker = new Tracker({ scope: 'process', country: opts.country, projectName: 'verde-demo' });
      await tracker.start();
      const parts: import('../../store/demo-run.js').DemoParts = {};
      if (opts.only === undefined || opts.only === 'data') {
        const span = tracker.startSpan('data-chapter');
        const { runDataDemo } = await import('../../data/minimise/demo.js');
        process.stdout.write(`${(await runDataDemo(join(opts.out, 'data'))).text}\n`);
        await span.end();
      }
      if (opts.only !== 'fraud' && opts.only !== 'data') {
        const span = tracker.startSpan('text-case');
        const { runTextCase } = await import('../../cases/text/index.js');
        parts.text = await runTextCase({ out: join(opts.out, 'text'), country: opts.country });
        await span.end();
      }
      if (opts.only !== 'text' && opts.only !== 'data') {
        const span = tracker.startSpan('fraud-case');
        const { runFraudCase } = await import('../../cases/fraud/index.js');
        const run = await runFraudCase({ outDir: join(opts.out, 'fraud'), rows: opts.rows, country: opts.country });
        parts.fraud = run;
        process.stdout.write(`${run.table}\n`);
        await span.end();
      }
      const report = await tracker.stop();
      const files = await writeRunOutputs(opts.out, report);
      process.stdout.write(`\nverde demo, whole run:\n${summaryText(report)}\n`);
      const results = [parts.text && join(opts.out, 'text', 'results.json'), parts.fraud && join(opts.out, 'fraud', 'results.json'), (opts.only ?? 'data') === 'data' && join(opts.out, 'data', '*-minimised', 'minimise.json')].filter(Boolean);
      process.stdout.write(`Results: ${results.join(', ')}; energy: ${files.emissionsCsv}\n`);
      const { recordDemo } = await import('../../store/demo-run.js');
      const runId = await recordDemo(report, parts, opts);
      if (runId) {
        const { writeReport } = await import('../../report/write.js');
        try {
          const w = await writeReport({ store: opts.store, runs: [runId], out: join(opts.out, 'report.html'), format: 'html' });
          process.stdout.write(`Report: ${w.path}${w.labelPath ? ` (energy label: ${w.labelPath})` : ''}\n`);
        } catch (err) {
          process.stderr.write(`verde: warning: report not written (${(err as Error).message.split('\n')[0]})\n`);
        }
      }
    });
}
