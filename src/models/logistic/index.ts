export * from '../../tabular/matrix.js';
export * from '../../tabular/normaliser.js';
export { SmallNet, type Layer, type NamedTensor, type TrainOptions } from './net.js';
export { smallNetToOnnx } from './onnx.js';
export { SmallNetClassifier } from './classifier.js';
