/**
 * A hyper-parameter search space: integers, floats (optionally on a log scale) and categoricals.
 * TPE and grid search both read it; `toUnit`/`fromUnit` map a value to [0, 1] and back (log-scaled
 * where asked) so the Parzen estimators work in one shape for every numeric parameter.
 */
import { UserError } from '../../util/errors.js';

export type ParamSpec =
  | { type: 'int'; low: number; high: number; log?: boolean }
  | { type: 'float'; low: number; high: number; log?: boolean }
  | { type: 'categorical'; choices: readonly (string | number | boolean)[] };

export type SearchSpace = Record<string, ParamSpec>;
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export function checkSpace(space: SearchSpace): void {
  const names = Object.keys(space);
  if (names.length === 0) throw new UserError('search space: no parameters');
  for (const name of names) {
    const p = space[name];
    if (p.type === 'categorical') {
      if (p.choices.length === 0) throw new UserError(`search space: "${name}" has no choices`);
    } else {
      if (!(p.low <= p.high)) throw new UserError(`search space: "${name}" low ${p.low} > high ${p.high}`);
      if (p.log && p.low <= 0) throw new UserError(`search space: "${name}" is log-scaled but low ${p.low} <= 0`);
    }
  }
}

/** Numeric value -> [0, 1] (log-scaled when the spec says so). */
export function toUnit(p: Exclude<ParamSpec, { type: 'categorical' }>, value: number): number {
  if (p.high === p.low) return 0.5;
  if (p.log) return (Math.log(value) - Math.log(p.low)) / (Math.log(p.high) - Math.log(p.low));
  return (value - p.low) / (p.high - p.low);
}

/** [0, 1] -> numeric value, clamped to the bounds and rounded for integers. */
export function fromUnit(p: Exclude<ParamSpec, { type: 'categorical' }>, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  let v = p.log ? Math.exp(Math.log(p.low) + c * (Math.log(p.high) - Math.log(p.low))) : p.low + c * (p.high - p.low);
  if (p.type === 'int') v = Math.min(p.high, Math.max(p.low, Math.round(v)));
  return v;
}

/** A stable key for a parameter set (to spot repeated suggestions). */
export function paramsKey(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}
