/**
 * The one way verde's commands validate flag values: each parser returns a function from the text
 * given to the value, for commander's argParser or for an action to call. Every error is a one-line
 * UserError naming the flag and the value given, worded the same way for every command: numbers
 * "<flag>: expected a number >= 1 (got "0.9")", choices "<flag>: "pdf" must be html, md or json".
 * (serve-flags.ts holds the parsers only `verde serve` and its harness take.)
 */
import { UserError } from '../util/errors.js';

/** Any finite number, optionally at least `min` or strictly above `above`, at most `max` or strictly below `below`, whole. */
export function numberFlag(flag: string, bounds: { min?: number; above?: number; max?: number; below?: number; integer?: boolean; why?: string } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag}: "${value}" is not a number`);
    if (bounds.integer && !Number.isInteger(n)) throw new UserError(`${flag}: expected a whole number (got "${value}")`);
    if (bounds.below !== undefined && !(n < bounds.below)) throw new UserError(`${flag}: expected a number < ${bounds.below} (got "${value}")`);
    if (bounds.min !== undefined && n < bounds.min) throw new UserError(`${flag}: expected a number >= ${bounds.min} (got "${value}")`);
    if (bounds.above !== undefined && !(n > bounds.above)) throw new UserError(`${flag}: expected a number > ${bounds.above} (got "${value}")`);
    if (bounds.max !== undefined && n > bounds.max) throw new UserError(`${flag}: expected a number <= ${bounds.max} (got "${value}")${bounds.why ? `; ${bounds.why}` : ''}`);
    return n;
  };
}

/** A whole number in [min, max], digits only (times, sizes, thread counts). */
export function intFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return wholeNumber(flag, min, max, /^(\d+)()$/);
}

/**
 * A count of things (rows, samples) in [min, max], which may be written 200000, 200_000, 200k or
 * 1m: k is a thousand, m a million. Only for counts: on a time flag "1m" would read as a minute.
 */
export function countFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return wholeNumber(flag, min, max, /^(\d+(?:\.\d+)?)(k|m)?$/);
}

function wholeNumber(flag: string, min: number, max: number, form: RegExp) {
  return (value: string): number => {
    const m = form.exec(value.replace(/_/g, '').trim().toLowerCase());
    const n = m ? Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'm' ? 1e6 : 1) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new UserError(`${flag}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''} (got "${value}")`);
    }
    return n;
  };
}

/** A probability in [0, 1]. */
export function probabilityFlag(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UserError(`${flag}: expected a probability from 0 to 1 (got "${value}")`);
    return n;
  };
}

/** "a, b or c" */
function orList(choices: readonly string[]): string {
  return choices.length < 2 ? choices.join('') : `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
}

/** One of a fixed set of words (formats, scopes, strategies). */
export function choiceFlag<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new UserError(`${flag}: "${value}" must be ${orList(choices)}`);
    return value as T;
  };
}

/** A comma-separated list of words from a fixed set (e.g. groups to run). */
export function choiceListFlag<T extends string>(flag: string, choices: readonly T[]) {
  const one = choiceFlag(flag, choices);
  return (value: string): T[] => value.split(',').map((s) => one(s.trim()));
}
