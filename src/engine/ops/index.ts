/** All graph ops, as free functions taking and returning Tensors. */
export * from './elementwise.js';
export * from './linalg.js';
export { reshape, reshapeLike, transpose, slice, concat, flatten, symbolDim } from './shape-ops.js';
export * from './reduce.js';
export * from './nn.js';
export * from './losses.js';
