import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

// Placeholder: the owner of this command replaces this file.
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('(not built yet)')
    .action(() => {
      throw new UserError('serve: not built yet');
    });
}
