import { mulberry32, shuffleInPlace } from '../../util/random.js';

/** A seeded random source so that every subsample is reproducible from its seed alone. */
export function seededRandom(seed: number): () => number {
  return mulberry32((seed >>> 0) || 0x9e3779b9);
}

export { shuffleInPlace };
