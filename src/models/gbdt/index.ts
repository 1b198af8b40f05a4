/** Gradient-boosted decision trees in TypeScript (binary logloss), exported to ONNX ai.onnx.ml. */
export * from './types.js';
export { trainGbdt, featureImportance, resolveParams } from './train.js';
export type { TrainOptions } from './train.js';
export { predictMargin, predictProba, toRowMajor, sigmoid } from './predict.js';
export { rocAuc, prAuc, logloss, recallAtFpr } from '../../metrics/ranking.js';
export { fitBins, binValue, binRowMajor, MISSING_BIN } from './binning.js';
export { gbdtToOnnx } from './onnx.js';
export type { OnnxExportOptions } from './onnx.js';
export { gbdtToJson, gbdtFromJson, saveGbdt, loadGbdt } from './serialise.js';
export { quantiseGbdt, packGbdt } from './quantise.js';
export type { QuantisedGbdt } from './quantise.js';
export { truncateTrees, pruneLowGainSplits } from './prune.js';
export type { PruneResult } from './prune.js';
export { writeGbdtModelDir, GBDT_JSON_FILE } from './model-dir.js';
export type { GbdtModelDirOptions, GbdtModelDirResult } from './model-dir.js';
