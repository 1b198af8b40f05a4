/**
 * `verde text`'s defaults, in a module of their own so that the CLI's help can show them without
 * loading the case (and ONNX Runtime) at startup.
 */
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
