/**
 * `verde text`'s defaults, in a module of their own so that the CLI's help can show them without
 * loading the case (and ONNX Runtime) at startup.
 */
import type { NumberBounds } from '../../util/flags.js';
export const TEXT_DEFAULTS = {
  out: './verde-out/text',
  layers: 2,
  dim: 128,
  heads: 4,
  hiddenDim: 512,
  trainSize: 2000,
  testSize: 500,
  epochs: 2,
  batchSize: 16,
  maxLength: 128,
  seed: 42,
  lrScratch: 1e-3,
  lrFineTune: 5e-5,
  pruneAmount: 0.3,
  recoveryEpochs: 1,
  checkpointEvery: 100,
} as const;

/**
 * The bounds of `verde text`'s number flags, one place for both checks: the CLI parses each flag
 * with `numberFlag(...TEXT_NUMBER_FLAGS.x)` and `runTextCase` checks a library caller's value with
 * `checkNumber`, so both refuse the same values with the same line.
 */
export const TEXT_NUMBER_FLAGS = {
  layers: ['--layers', { integer: true, min: 1 }],
  dim: ['--dim', { integer: true, min: 1 }],
  heads: ['--heads', { integer: true, min: 1 }],
  hiddenDim: ['--hidden-dim', { integer: true, min: 1 }],
  trainSize: ['--train-size', { integer: true, min: 2 }],
  testSize: ['--test-size', { integer: true, min: 1 }],
  epochs: ['--epochs', { integer: true, min: 1 }],
  batchSize: ['--batch-size', { integer: true, min: 1 }],
  maxLength: ['--max-length', { integer: true, min: 3 }],
  seed: ['--seed', { integer: true, min: 0 }],
  threads: ['--threads', { integer: true, min: 1 }],
  recoveryEpochs: ['--recovery-epochs', { integer: true, min: 0 }],
  checkpointEvery: ['--checkpoint-every', { integer: true, min: 0 }],
  linearEpochs: ['--linear-epochs', { integer: true, min: 1 }],
  lr: ['--lr', { above: 0, below: 1 }],
  pruneAmount: ['--prune', { above: 0, below: 1 }],
  exitThreshold: ['--exit-threshold', { above: 0, max: 1 }],
} as const satisfies Record<string, readonly [string, NumberBounds]>;
