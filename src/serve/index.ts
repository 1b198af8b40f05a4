/**
 * Green inference serving (guide §3.4): the HTTP server, threshold choice for early exit and
 * cascades, the load bench, and the tiny real models tests and benches build. See docs/serving.md.
 */
export { createServer, type RunningServer } from './server.js';
export { DEFAULT_SERVE_OPTIONS, type ServeOptions, type CascadeSpec } from './options.js';
export { calibrateEarlyExit, calibrateCascade, type ValidationSet } from '../evaluate/calibrate.js';
export { chooseExitThreshold, chooseCascadeThreshold, evaluateExit, evaluateCascade, type ExitChoice, type CascadeChoice } from '../evaluate/thresholds.js';
export { runBench, startServeProcess, type BenchOptions, type LevelResult, type OverloadResult } from '../bench-serve/bench.js';
export { writeTinyTextModel, writeTinyTabularModel, type TinyTextOptions, type TinyTabularOptions } from '../bench-serve/tiny-models.js';
export type { Energy } from './energy.js';
