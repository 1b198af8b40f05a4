/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), the Bayesian optimiser behind hyperopt
 * and Optuna's default sampler: after a few random trials, split the trials so far into "good"
 * (the top quarter by score) and "bad", fit a Parzen density to each parameter in each group, and
 * propose the candidate that maximises l(x)/g(x). Parameters are modelled independently (as in
 * hyperopt and Optuna's default), numeric ones in the unit interval (log-scaled where asked).
 */
import { checkSpace, fromUnit, paramsKey, toUnit, type ParamSpec, type Params, type SearchSpace } from './space.js';
import { normaliseResult, summarise, type Objective, type SearchResult, type Trial, patienceStop, type PatienceRule } from './search.js';
import { seededRandom, type Random } from '../../util/random.js';

export interface TpeOptions {
  maxTrials: number;
  seed?: number;
  /** Random trials before the model takes over (default 5). */
  nStartup?: number;
  /** Candidates drawn from l(x) per parameter per trial (default 24, as hyperopt). */
  nCandidates?: number;
  /** Fraction of trials counted as "good" (default 0.25, at most 25 trials). */
  gamma?: number;
  /** Stop as soon as a trial scores at least this much. */
  target?: number;
  stopAtTarget?: boolean;
  /** Stop once this many trials in a row brought no improvement (a rule that needs no target). */
  stopWhenStale?: PatienceRule;
  onTrial?: (trial: Trial) => void;
}

type Numeric = Exclude<ParamSpec, { type: 'categorical' }>;

/** erf by Abramowitz-Stegun 7.1.26 (absolute error < 1.5e-7): enough for truncating Gaussians. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));

/** A mixture of Gaussians truncated to [0, 1]: one per observation plus a wide prior at 0.5. */
interface Parzen { mus: number[]; sigmas: number[]; weights: number[] }

function fitParzen(points: number[]): Parzen {
  const mus = [...points, 0.5].sort((a, b) => a - b);
  const n = mus.length;
  const minSigma = 1 / Math.min(100, n + 1);
  const sigmas = mus.map((m, i) => {
    const left = i > 0 ? m - mus[i - 1] : m;
    const right = i < n - 1 ? mus[i + 1] - m : 1 - m;
    return Math.min(1, Math.max(minSigma, left, right));
  });
  // The prior (the 0.5 we added) keeps sigma 1, the widest allowed.
  const priorAt = mus.indexOf(0.5);
  sigmas[priorAt] = 1;
  return { mus, sigmas, weights: mus.map(() => 1 / n) };
}

function parzenLogPdf(pz: Parzen, x: number): number {
  let p = 0;
  for (let i = 0; i < pz.mus.length; i++) {
    const s = pz.sigmas[i];
    const z = (x - pz.mus[i]) / s;
    const mass = phi((1 - pz.mus[i]) / s) - phi((0 - pz.mus[i]) / s);
    p += (pz.weights[i] * Math.exp(-0.5 * z * z)) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return Math.log(Math.max(p, 1e-300));
}

function sampleParzen(pz: Parzen, rng: Random): number {
  let u = rng.next();
  let i = 0;
  while (i < pz.weights.length - 1 && u >= pz.weights[i]) { u -= pz.weights[i]; i++; }
  for (let tries = 0; tries < 20; tries++) {
    const x = pz.mus[i] + pz.sigmas[i] * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, pz.mus[i]));
}

function suggestNumeric(p: Numeric, good: number[], bad: number[], nCandidates: number, rng: Random): number {
  const l = fitParzen(good.map((v) => toUnit(p, v)));
  const g = fitParzen(bad.map((v) => toUnit(p, v)));
  let bestX = 0.5;
  let bestRatio = -Infinity;
  for (let c = 0; c < nCandidates; c++) {
    const x = sampleParzen(l, rng);
    const ratio = parzenLogPdf(l, x) - parzenLogPdf(g, x);
    if (ratio > bestRatio) { bestRatio = ratio; bestX = x; }
  }
  return fromUnit(p, bestX);
}

function suggestCategorical(choices: readonly (string | number | boolean)[], good: unknown[], bad: unknown[], nCandidates: number, rng: Random) {
  // Counts with a +1 prior per choice, normalised: the categorical analogue of the Parzen window.
  const weights = (obs: unknown[]) => {
    const w = choices.map((c) => 1 + obs.filter((o) => o === c).length);
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  };
  const l = weights(good);
  const g = weights(bad);
  let best = 0;
  let bestRatio = -Infinity;
  for (let c = 0; c < nCandidates; c++) {
    let u = rng.next();
    let i = 0;
    while (i < l.length - 1 && u >= l[i]) { u -= l[i]; i++; }
    const ratio = Math.log(l[i]) - Math.log(g[i]);
    if (ratio > bestRatio) { bestRatio = ratio; best = i; }
  }
  return choices[best];
}

export function randomParams(space: SearchSpace, rng: Random): Params {
  const out: Params = {};
  for (const [name, p] of Object.entries(space)) {
    out[name] = p.type === 'categorical' ? p.choices[rng.int(p.choices.length)] : fromUnit(p, rng.next());
  }
  return out;
}

/** Propose the next parameter set given the trials so far. */
export function suggestTpe(space: SearchSpace, trials: Trial[], rng: Random, opts: Pick<TpeOptions, 'nStartup' | 'nCandidates' | 'gamma'> = {}): Params {
  const nStartup = opts.nStartup ?? 5;
  if (trials.length < nStartup) return randomParams(space, rng);
  const sorted = [...trials].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.min(25, Math.ceil((opts.gamma ?? 0.25) * sorted.length)));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const out: Params = {};
  for (const [name, p] of Object.entries(space)) {
    const gv = good.map((t) => t.params[name]);
    const bv = bad.map((t) => t.params[name]);
    out[name] = p.type === 'categorical'
      ? suggestCategorical(p.choices, gv, bv, opts.nCandidates ?? 24, rng)
      : suggestNumeric(p, gv as number[], bv as number[], opts.nCandidates ?? 24, rng);
  }
  return out;
}

export async function tpeSearch(space: SearchSpace, objective: Objective, opts: TpeOptions): Promise<SearchResult> {
  checkSpace(space);
  const rng = seededRandom(opts.seed ?? 0);
  const trials: Trial[] = [];
  const seen = new Set<string>();
  while (trials.length < opts.maxTrials) {
    let params = suggestTpe(space, trials, rng, opts);
    // A repeat teaches nothing: on a small integer space fall back to a fresh random point.
    for (let tries = 0; seen.has(paramsKey(params)) && tries < 20; tries++) params = randomParams(space, rng);
    seen.add(paramsKey(params));
    const r = normaliseResult(await objective(params, trials.length));
    const trial: Trial = { index: trials.length, params, score: r.score, energyJ: r.energyJ };
    trials.push(trial);
    opts.onTrial?.(trial);
    if (opts.stopAtTarget && opts.target !== undefined && trial.score >= opts.target) break;
    if (opts.stopWhenStale && patienceStop(trials, opts.stopWhenStale) !== undefined) break;
  }
  return summarise('tpe', trials, opts.target);
}
