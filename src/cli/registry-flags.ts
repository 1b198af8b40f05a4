import type { Command } from 'commander';

/**
 * The flags with which `verde text` and `verde fraud` register their models after a run, worded the
 * same for both: `prefix` is how the models are named (text-<variant>), `metric` an example target.
 */
export function caseRegistryFlags(cmd: Command, prefix: string, metric: string): Command {
  return cmd
    .option('--register', `register the model directories in the model registry after the run (as ${prefix}, with lineage; see verde registry)`)
    .option('--registry <path>', 'model registry directory (default: VERDE_REGISTRY or ./verde-out/registry)')
    .option('--target-metric <metric=value>', `with the registry: warn before training when a registered model for the same data already meets it, e.g. ${metric}`);
}
