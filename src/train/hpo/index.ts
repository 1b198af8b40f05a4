export * from './space.js';
export * from './search.js';
export { gridSearch, gridPoints, type GridOptions } from './grid.js';
export { tpeSearch, suggestTpe, randomParams, type TpeOptions } from './tpe.js';
export { seededRandom, type Random } from '../../util/random.js';
