export * from './matrix.js';
export * from './normaliser.js';
export { SmallNet, type Layer, type NamedTensor, type TrainOptions } from './net.js';
export { smallNetToOnnx } from './onnx.js';
export { SmallNetClassifier } from './classifier.js';
