import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

// Placeholder: the owner of this command replaces this file.
export function registerMeasure(program: Command): void {
  program
    .command('measure')
    .description('(not built yet)')
    .action(() => {
      throw new UserError('measure: not built yet');
    });
}
