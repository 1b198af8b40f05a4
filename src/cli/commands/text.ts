import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

// Placeholder: the owner of this command replaces this file.
export function registerText(program: Command): void {
  program
    .command('text')
    .description('(not built yet)')
    .action(() => {
      throw new UserError('text: not built yet');
    });
}
