/**
 * Parameter initialisers. Everything random in verde's engine comes from an Rng (src/util/random.ts)
 * seeded by the caller, so a run is reproducible from its seed.
 */
import { Rng } from '../util/random.js';

export { Rng };

export type Init = (n: number) => Float32Array;

export const init = {
  zeros: (): Init => (n) => new Float32Array(n),
  ones: (): Init => (n) => new Float32Array(n).fill(1),
  constant: (v: number): Init => (n) => new Float32Array(n).fill(v),
  normal: (rng: Rng, std: number, mean = 0): Init => (n) => Float32Array.from({ length: n }, () => rng.normal(mean, std)),
  uniform: (rng: Rng, bound: number): Init => (n) => Float32Array.from({ length: n }, () => rng.uniform(-bound, bound)),
  /** Glorot/Xavier uniform for a [fanOut, fanIn] weight. */
  xavierUniform: (rng: Rng, fanIn: number, fanOut: number): Init => init.uniform(rng, Math.sqrt(6 / (fanIn + fanOut))),
  /** PyTorch nn.Linear's default (kaiming uniform with a=sqrt(5)): U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  linearDefault: (rng: Rng, fanIn: number): Init => init.uniform(rng, 1 / Math.sqrt(fanIn)),
};
