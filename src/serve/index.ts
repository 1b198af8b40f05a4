/**
 * Green inference serving (guide §3.4): the HTTP server with batching, caching, early exit and
 * cascades. Threshold choice lives in src/evaluate/, the load bench and tiny models in
 * src/bench-serve/. See docs/serving.md.
 */
export { createServer, type RunningServer } from './server.js';
export { DEFAULT_SERVE_OPTIONS, type ServeOptions, type CascadeSpec } from './options.js';
export type { Energy } from './energy.js';
