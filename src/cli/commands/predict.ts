import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

// Placeholder: the owner of this command replaces this file.
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('(not built yet)')
    .action(() => {
      throw new UserError('predict: not built yet');
    });
}
