/**
 * Green inference serving (guide §3.4): the HTTP server, threshold choice for early exit and
 * cascades, the load bench, and the tiny real models tests and benches build. See docs/serving.md.
 */
export { createServer, type RunningServer } from './server.js';
export { DEFAULT_SERVE_OPTIONS, type ServeOptions, type CascadeSpec } from './options.js';
export { calibrateEarlyExit, calibrateCascade, type ValidationSet } from './calibrate.js';
export { chooseExitThreshold, chooseCascadeThreshold, evaluateExit, evaluateCascade, type ExitChoice, type CascadeChoice } from './thresholds.js';
export { runBench, startServeProcess, type BenchOptions, type LevelResult, type OverloadResult } from './bench.js';
export { writeTinyTextModel, writeTinyTabularModel, type TinyTextOptions, type TinyTabularOptions } from './tiny-models.js';
export type { Energy } from './energy.js';
