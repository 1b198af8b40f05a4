import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

// Placeholder: the owner of this command replaces this file.
export function registerBenchServe(program: Command): void {
  program
    .command('bench-serve')
    .description('(not built yet)')
    .action(() => {
      throw new UserError('bench-serve: not built yet');
    });
}
