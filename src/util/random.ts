/**
 * verde's one home for seeded random numbers (Math.random cannot be seeded). Two generators:
 * mulberry32 (32-bit state, fast, good enough for ML sampling, initialisation and synthetic
 * traffic) behind `Rng`, `seededRandom` and `seededUniform`; and xoshiro128** (`Prng`) for the
 * transaction generator, whose bytes must stay the same for a seed on every machine. None is
 * cryptographic. Each wrapper keeps the seed-to-state rule it always had, so existing seeds keep
 * producing the same sequences.
 */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place; returns the array. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Standard normal draws from `uniform` (Box-Muller): each pair of uniforms gives two normals, the
 * second cached for the next call. A uniform of exactly 0 is drawn again (log 0).
 */
export function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = uniform();
    while (u <= 1e-12) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A small, fast, seedable PRNG (mulberry32) with uniform and normal draws. */
export class Rng {
  private readonly draw: () => number;
  private readonly gauss: () => number;
  constructor(seed = 0) {
    this.draw = mulberry32((seed >>> 0) ^ 0x9e3779b9);
    this.gauss = gaussian(this.draw);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  /** Normal with the given mean and standard deviation (Box-Muller, second value cached). */
  normal(mean = 0, std = 1): number {
    return mean + std * this.gauss();
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

/** A bare uniform source in [0, 1) (text splits and subsamples): reproducible from its seed alone. */
export function seededUniform(seed: number): () => number {
  return mulberry32((seed >>> 0) || 0x9e3779b9);
}

/**
 * The sampling interface of hyper-parameter search, active learning and the fraud case's small
 * models. Its normal() draws a fresh pair each call (no cached spare), as those seeds always have.
 */
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

/**
 * A row order shuffled once per epoch, in turn (each epoch's shuffle starts from the last one's
 * order), that can be asked for at any epoch: the shuffles up to it are replayed, so a run resumed
 * at epoch k batches its rows as an uninterrupted run would. Always the same array, shuffled in place.
 */
export function epochOrder(n: number, random: Random): (epoch: number) => number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let shuffled = 0;
  return (epoch) => {
    for (; shuffled < epoch; shuffled++) random.shuffle(order);
    return order;
  };
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

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private readonly gauss = gaussian(() => this.next());

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      // splitmix32: spreads any seed (even 0) over the whole state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    return this.gauss();
  }

  /** Log-normal with the given mean and sigma of the underlying normal. */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Poisson count (Knuth for small means, rounded normal for large ones). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Index drawn with probability proportional to `weights` (cumulative weights are faster: see pickCumulative). */
  pickWeighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Derive an independent stream (for a sub-simulation) from this one. */
  fork(): Prng {
    return new Prng(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Mix two integers into one seed (institution seeds derive from the user's seed). */
export function mixSeeds(a: number, b: number): number {
  let h = (a >>> 0) ^ Math.imul(b + 0x7f4a7c15, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
