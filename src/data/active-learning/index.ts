export { runActiveLearning, type ActiveLearningOptions, type ActiveLearningResult, type CurvePoint, type ProbabilisticClassifier } from './loop.js';
export { selectBatch, STRATEGIES, type Strategy } from './strategies.js';
