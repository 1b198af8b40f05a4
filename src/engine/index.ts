/**
 * verde's engine: graphs built and differentiated in TypeScript, executed by ONNX Runtime.
 * See docs/engine-api.md.
 */
export { Graph, Tensor, Param, type Node, type Attr, type GradRule, type ParamOptions, opError } from './graph.js';
export * from './types.js';
export * as op from './ops/index.js';
export * from './ops/index.js';
export { gradients } from './autodiff.js';
export { emitModel, type EmittedModel, type EmitOptions, OPSET } from './onnx.js';
export { type OptimizerConfig, optimizerScalars } from './optim.js';
export { compileTraining, type TrainingSpec, type CompiledTraining, type StateSpec } from './training.js';
export { TrainingSession, type StepResult } from './runtime/training-session.js';
export { type DeviceOptions, type Device, createSession, toOrt, fromOrt, ort } from './runtime/ort.js';
export { readSafetensors, writeSafetensors, parseSafetensors, encodeSafetensors, type Safetensors } from './safetensors.js';
export { Rng, init, type Init } from './init.js';
export { linearLayer, type Linear } from './layers/basic.js';
export { fitLoop, type Trainable, type FitLoopOptions, type FitLoopResult, type EpochLog, type FitProgress, type FitCheckpointer, type SpanSource, type StepInfo } from './fit/loop.js';
export { constantLr, linearWarmupDecay, cosineLr, ReduceLROnPlateau, type Schedule } from './fit/schedules.js';
export { EarlyStopping, type EarlyStoppingOptions } from './fit/early-stopping.js';
