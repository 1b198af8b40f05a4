/**
 * The load bench of `verde bench-serve` (wrk or autocannon against `verde serve` children) and the
 * tiny real models that tests and benches build.
 */
export { runBench, startServeProcess, type BenchOptions, type LevelResult, type OverloadResult } from './bench.js';
export { writeTinyTextModel, writeTinyTabularModel, type TinyTextOptions, type TinyTabularOptions } from './tiny-models.js';
