/**
 * A small seeded random source (mulberry32) so every search, sample and split in the fraud case
 * repeats exactly for the same --seed. Not cryptographic; fast and good enough for sampling.
 */
import { mulberry32, shuffleInPlace } from '../../util/random.js';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
}

export function seededRandom(seed: number): Random {
  const next = mulberry32((Math.floor(seed) ^ 0x9e3779b9) >>> 0);
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle: <T>(items: T[]): T[] => shuffleInPlace(items, next),
  };
}
