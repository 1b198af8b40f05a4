/**
 * verde as a library. The meter is exported flat (`import { measure, Tracker } from 'verde'`);
 * the rest by life-cycle stage, as namespaces, so names never collide:
 * `import { engine, serve } from 'verde'`.
 */
export * from './meter/index.js';
export * as engine from './engine/index.js';
export * as tokenizers from './tokenizers/index.js';
export * as hub from './hub/index.js';
export * as textData from './data/text/index.js';
export * as serve from './serve/index.js';
export * as evaluate from './evaluate/index.js';
export * as benchServe from './bench-serve/index.js';
export * as predict from './predict/index.js';
export * as gbdt from './models/gbdt/index.js';
export { runTextCase, type TextCaseOptions } from './cases/text/index.js';
export { runFraudCase, type FraudCaseOptions } from './cases/fraud/index.js';
export { readManifest, writeManifest, type ModelManifest } from './registry/manifest.js';
export { UserError } from './util/errors.js';
