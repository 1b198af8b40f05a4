import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

// Placeholder: the owner of this command replaces this file.
export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('(not built yet)')
    .action(() => {
      throw new UserError('detect: not built yet');
    });
}
