import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { intFlag, numberFlag } from '../flags.js';
import type { ReportFormat } from '../../report/write.js';
import { STORE_FLAG } from '../store-flag.js';

/** `verde report`: one self-contained page (or Markdown/JSON) from the run store. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Write a report of stored runs: summary and winner per criterion (with methods), the variants\n' +
        'table, accuracy vs energy per inference with the Pareto front, energy by life-cycle phase, the\n' +
        'same energy in other grids, trends per model, UNE-0086-aligned metrics, the SCI per functional\n' +
        'unit and an A-G energy label per model (label.svg beside the report). HTML opens offline.\n' +
        'Example: verde report --last 3 --out report.html',
    )
    .option('--runs <id...>', 'run ids (unique prefixes) to include')
    .option('--last <n>', 'the newest N runs (default 1)', intFlag('--last', 1))
    .option('--out <file>', 'output file (default ./verde-out/report.<format>)')
    .option('--format <fmt>', 'html, md or json', 'html')
    .option('--embodied-kgco2e <kg>', "SCI's M: embodied emissions of the machine (default: a documented 2-socket CPU node, 1,100 kgCO2e)", numberFlag('--embodied-kgco2e', { min: 0 }))
    .option('--lifetime-years <y>', "SCI's M: expected hardware lifetime (default 6)", numberFlag('--lifetime-years', { above: 0 }))
    .option(...STORE_FLAG)
    .action(async (o: { runs?: string[]; last?: number; out?: string; format: string; embodiedKgco2e?: number; lifetimeYears?: number; store?: string }) => {
      if (o.runs && o.last !== undefined) throw new UserError('--runs and --last: give one or the other');
      const { writeReport } = await import('../../report/write.js');
      const w = await writeReport({
        store: o.store, runs: o.runs, last: o.last, format: o.format as ReportFormat,
        out: o.out ?? `./verde-out/report.${o.format}`, embodiedKgCO2e: o.embodiedKgco2e, lifetimeYears: o.lifetimeYears,
      });
      process.stdout.write(`wrote ${w.path}${w.labelPath ? ` and ${w.labelPath}` : ''} (${w.data.runs.length} run(s), ${w.data.variants.length} variant(s))\n`);
    });
}
