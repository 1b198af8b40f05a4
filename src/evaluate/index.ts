/**
 * Evaluation: serving thresholds chosen on validation data (early exit, cascades), early-exit stages
 * scored sample by sample, and model variants compared side by side with their energy.
 */
export { calibrateEarlyExit, calibrateCascade, type ValidationSet } from './calibrate.js';
export { chooseExitThreshold, chooseCascadeThreshold, evaluateExit, evaluateCascade, type ExitChoice, type CascadeChoice } from './thresholds.js';
export { evaluateEarlyExit, type EarlyExitEval } from './early-exit.js';
export { evaluateVariantInChild, type VariantRunInput, type VariantRunResult } from './variants.js';
