import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { choiceFlag, numberFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';
import { pushUrlFlag } from '../push-flag.js';

/** "1s", "250ms", "0.5s", "2m" or a bare number of seconds -> milliseconds; non-positive is an error. */
export function parseInterval(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?\s*$/.exec(text);
  if (!m) throw new UserError(`--interval: "${text}" must be a duration such as 1s, 500ms or 2m`);
  const value = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (!(value > 0)) throw new UserError(`--interval: "${text}" must be a duration above 0, such as 1s, 500ms or 2m`);
  return value;
}


/**
 * Sane ranges for the multipliers: an energy figure from a value outside them is no measurement
 * (and a huge one overflows to Infinity). PUE is 1.0 at best; the worst data centres surveyed are
 * near 2.5. WUE is 0-2.5 L/kWh in published data-centre figures. Carbon intensity: the dirtiest
 * grids are about 1,100 gCO2e/kWh. TDP: 100 kW is a full rack, far beyond any one machine.
 */
export const MEASURE_BOUNDS = {
  pue: { min: 1, max: 3, why: 'PUE is 1.0 (no overhead) to about 2.5 in data-centre surveys' },
  wue: { min: 0, max: 10, why: 'WUE is 0 to about 2.5 L/kWh in published data-centre figures' },
  carbonIntensity: { min: 0, max: 2000, why: 'the most carbon-intensive grids are about 1,100 gCO2e/kWh' },
  tdp: { above: 0, max: 100_000, why: '100 kW is a full rack' },
} as const;

interface MeasureFlags {
  interval: string;
  scope: string;
  country?: string;
  carbonIntensity?: string;
  pue: string;
  wue?: string;
  tdp?: string;
  out: string;
  project: string;
  store?: string;
  push?: string;
  pushJob: string;
}

export function registerMeasure(program: Command): void {
  program
    .command('measure')
    .description(
      'Run a command and measure the energy and carbon of its process tree. Prints a summary (duration,\n' +
        'energy by component with its method, gCO2e with the intensity source) and writes DIR/emissions.csv\n' +
        '(one row per run, CodeCarbon\'s columns and units), DIR/<run-id>.json and DIR/metrics.prom.\n' +
        'Exits with the command\'s exit code; Ctrl-C is passed to the command and the outputs are still written.\n' +
        'Example: verde measure --country ESP -- node train.js',
    )
    .argument('[command...]', 'the command and its arguments (after -- when they start with a dash)')
    .passThroughOptions()
    .option('--interval <duration>', 'sampling interval (RAM, machine load, GPU power): 1s, 500ms, 2m', '1s')
    .option('--scope <scope>', 'process: the command\'s process tree (CPU-time share, resident memory); machine: the whole machine', 'process')
    .option('--country <ISO3>', 'grid carbon intensity of this country, ISO 3166-1 alpha-3 (ESP, FRA, USA); default: world average 475 g/kWh')
    .option('--carbon-intensity <g/kWh>', 'carbon intensity override in gCO2e/kWh (wins over --country)')
    .option('--pue <n>', 'data-centre power usage effectiveness, multiplies all energy (1 to 3)', '1.0')
    .option('--wue <L/kWh>', 'water usage effectiveness (0 to 10); water is reported only when this is given')
    .option('--tdp <watts>', 'CPU power at full load for all visible CPUs, overriding the TDP table (and RAPL)')
    .option('--out <dir>', 'directory for emissions.csv, <run-id>.json and metrics.prom', 'verde-energy')
    .option('--project <name>', 'project_name written to emissions.csv', 'verde')
    .option(...STORE_FLAG)
    .option('--push <url>', 'push the finished run\'s metrics (metrics.prom) to this Prometheus Pushgateway (http://HOST:9091)', pushUrlFlag)
    .option('--push-job <name>', 'with --push: the Pushgateway job name', 'verde_measure')
    .action(async (command: string[], flags: MeasureFlags) => {
      // a usage error like any other (exit 2), not commander's missing-argument exit 1
      if (command.length === 0) throw new UserError('measure: no command given (usage: verde measure [options] -- <command ...>)');
      const intervalMs = parseInterval(flags.interval);
      const scope = choiceFlag('--scope', ['process', 'machine'])(flags.scope);
      const { measureCommand, summaryText, requireCountry } = await import('../../meter/index.js');
      if (flags.country !== undefined) requireCountry(flags.country);
      const run = await measureCommand(command, {
        outDir: flags.out,
        intervalMs,
        scope,
        country: flags.country,
        carbonIntensity: flags.carbonIntensity !== undefined ? numberFlag('--carbon-intensity', MEASURE_BOUNDS.carbonIntensity)(flags.carbonIntensity) : undefined,
        pue: numberFlag('--pue', MEASURE_BOUNDS.pue)(flags.pue),
        wue: flags.wue !== undefined ? numberFlag('--wue', MEASURE_BOUNDS.wue)(flags.wue) : undefined,
        tdpW: flags.tdp !== undefined ? numberFlag('--tdp', MEASURE_BOUNDS.tdp)(flags.tdp) : undefined,
        projectName: flags.project,
      });
      const out = process.stderr;
      out.write(`\nverde measure: ${command.join(' ')}  (exit ${run.exitCode}${run.signal ? `, ${run.signal}` : ''})\n`);
      out.write(summaryText(run.report));
      out.write(`wrote ${run.files.emissionsCsv}, ${run.files.json}, ${run.files.prometheus}\n`);
      const { recordRun, meterRun } = await import('../../store/index.js');
      recordRun(meterRun('measure', { command, ...flags }, run.report, command.join(' ')), flags.store);
      if (flags.push) {
        const { pushMetrics, pushLine, prometheusText } = await import('../../meter/index.js');
        out.write(`verde measure: ${pushLine(await pushMetrics(flags.push, flags.pushJob, prometheusText(run.report)))}\n`);
      }
      process.exitCode = run.exitCode;
    });
}
