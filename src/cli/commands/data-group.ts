/**
 * The `verde data` command group (the guide's data chapter, §1). Its sub-commands live in their own
 * files (profile, minimise, select, ...) and each attaches itself here; the group is created on
 * first use so that the files stay independent of one another.
 */
import type { Command } from 'commander';

export function dataGroup(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'data');
  if (existing) return existing;
  return program
    .command('data')
    .summary('§1 data chapter: profile, minimise and select data, with what each step saves')
    .description(
      "The guide's data chapter (§1) on anyone's data set: profile a file, minimise it with a declared\n" +
        'plan (filters, dedup, feature selection, compact storage, rebalancing) and prove what it costs\n' +
        'in quality, and choose which rows to label next (active learning, §1.6).',
    );
}
