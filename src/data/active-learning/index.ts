export { runActiveLearning, type ActiveLearningOptions, type ActiveLearningResult, type CurvePoint, type ProbabilisticClassifier } from './loop.js';
export { selectBatch, STRATEGIES, type Strategy } from './strategies.js';
export { selectToLabel, simulateSelection, ROW_ID, type SelectOptions, type SelectResult, type SimulateOptions, type SimulateResult } from './select.js';
