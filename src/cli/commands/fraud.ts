import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

// Placeholder: the owner of this command replaces this file.
export function registerFraud(program: Command): void {
  program
    .command('fraud')
    .description('(not built yet)')
    .action(() => {
      throw new UserError('fraud: not built yet');
    });
}
