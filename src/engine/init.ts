/**
 * Seeded random numbers and parameter initialisers. Everything random in verde's engine comes from
 * an Rng seeded by the caller, so a run is reproducible from its seed.
 */
import { mulberry32 } from '../util/random.js';

/** A small, fast, seedable PRNG (mulberry32) with uniform and normal draws. */
export class Rng {
  private readonly draw: () => number;
  private spare: number | undefined;
  constructor(seed = 0) {
    this.draw = mulberry32((seed >>> 0) ^ 0x9e3779b9);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box-Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return mean + std * s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A Fisher-Yates shuffled permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

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
