/**
 * The one way verde validates flag values, for the CLI and for the library API alike. The parsers
 * (`numberFlag`, `intFlag`, ...) take the text given, for commander's argParser; the checks
 * (`checkNumber`, `checkWhole`) take a value a library caller passed (`runTextCase({ layers: 0 })`)
 * and word the error the same way, so `verde text --layers 0` and the API say the same line. It sits
 * in util/ (not cli/) because cases/ and data/ check their options too and may not import cli/.
 * Every error is a one-line UserError naming the flag and the value: numbers
 * "<flag>: expected a number >= 1 (got "0.9")", choices "<flag>: "pdf" must be html, md or json".
 */
import { UserError } from './errors.js';

/** Bounds of a number flag: at least `min` or strictly above `above`, at most `max` or strictly below `below`, whole. */
export interface NumberBounds {
  min?: number;
  above?: number;
  max?: number;
  below?: number;
  integer?: boolean;
  /** Said after the "at most" error, e.g. why the cap exists. */
  why?: string;
}

/** `n` within `bounds`, else a UserError quoting `shown` (the text as the user gave it). */
export function checkNumber(flag: string, n: number, bounds: NumberBounds = {}, shown = String(n)): number {
  if (!Number.isFinite(n)) throw new UserError(`${flag}: "${shown}" is not a number`);
  if (bounds.integer && !Number.isInteger(n)) throw new UserError(`${flag}: expected a whole number (got "${shown}")`);
  if (bounds.below !== undefined && !(n < bounds.below)) throw new UserError(`${flag}: expected a number < ${bounds.below} (got "${shown}")`);
  if (bounds.min !== undefined && n < bounds.min) throw new UserError(`${flag}: expected a number >= ${bounds.min} (got "${shown}")`);
  if (bounds.above !== undefined && !(n > bounds.above)) throw new UserError(`${flag}: expected a number > ${bounds.above} (got "${shown}")`);
  if (bounds.max !== undefined && n > bounds.max) throw new UserError(`${flag}: expected a number <= ${bounds.max} (got "${shown}")${bounds.why ? `; ${bounds.why}` : ''}`);
  return n;
}

/** Any finite number within `bounds`. */
export function numberFlag(flag: string, bounds: NumberBounds = {}) {
  return (value: string): number => {
    if (value.trim() === '') throw new UserError(`${flag}: "${value}" is not a number`);
    return checkNumber(flag, Number(value), bounds, value);
  };
}

/** A whole number in [min, max], else a UserError quoting `shown`. */
export function checkWhole(flag: string, n: number, min: number, max = Number.MAX_SAFE_INTEGER, shown = String(n)): number {
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(`${flag}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''} (got "${shown}")`);
  }
  return n;
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
    return checkWhole(flag, n, min, max, value);
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

/** One of a fixed set of words (formats, scopes, strategies); also a check of a library option's value. */
export function choiceFlag<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new UserError(`${flag}: "${value}" must be ${orList(choices)}`);
    return value as T;
  };
}

/** A comma-separated list of words from a fixed set (e.g. groups to run); an empty item is refused like any unknown word. */
export function choiceListFlag<T extends string>(flag: string, choices: readonly T[]) {
  const one = choiceFlag(flag, choices);
  return (value: string): T[] => value.split(',').map((s) => one(s.trim()));
}
