/**
 * Parsers for numeric flag values, handed to commander as an option's argParser. Every error is a
 * one-line UserError naming the flag and the value given.
 */
import { UserError } from '../util/errors.js';

/** Any finite number (learning rates, fractions, sizes checked later by the command). */
export function numberFlag(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag}: "${value}" is not a number`);
    return n;
  };
}

/** A whole number in [min, max]. */
export function intFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
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
