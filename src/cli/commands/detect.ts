import type { Command } from 'commander';
import { choiceFlag, numberFlag } from '../flags.js';

interface DetectFlags {
  scope: string;
  tdp?: string;
  json?: boolean;
  sysfsRoot?: string;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description(
      'List every energy source the meter knows — RAPL zones, NVML, nvidia-smi, CPU model and TDP, RAM,\n' +
        'process CPU time, carbon intensity — whether each is readable here and why (not), and the method\n' +
        'each component (cpu, ram, gpu) would be measured with.',
    )
    .option('--scope <scope>', 'process or machine: the scope to report methods for', 'process')
    .option('--tdp <watts>', 'CPU power override, as for verde measure')
    .option('--json', 'print the report as JSON')
    .option('--sysfs-root <dir>', 'read powercap from <dir>/class/powercap instead of /sys (for testing)')
    .action(async (flags: DetectFlags) => {
      const scope = choiceFlag('--scope', ['process', 'machine'])(flags.scope);
      const { detectSources } = await import('../../meter/index.js');
      const report = await detectSources({
        scope,
        tdpW: flags.tdp !== undefined ? numberFlag('--tdp', { above: 0 })(flags.tdp) : undefined,
        sysfsRoot: flags.sysfsRoot,
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const w = Math.max(...report.sources.map((s) => s.source.length));
      const lines = report.sources.map((s) => `  ${s.source.padEnd(w)}  ${s.readable ? 'yes' : 'no '}  ${s.why}`);
      process.stdout.write(
        `Energy sources (readable? why):\n${lines.join('\n')}\n\n` +
          `Methods in ${report.scope} scope: cpu ${report.labels.cpu}, ram ${report.labels.ram}, gpu ${report.labels.gpu}\n`,
      );
    });
}
