/**
 * Class labels from a column of values: any two or more classes, strings or integers. Ids follow
 * the sorted order of the distinct values (numeric order when every value is an integer), so the
 * same data always gives the same id2label whatever its row order.
 */
import { fail } from '../../util/errors.js';

export function labelIds(values: string[], where: string, field: string): { labels: number[]; labelNames: string[] } {
  const distinct = [...new Set(values)];
  const allInts = distinct.every((v) => /^-?\d+$/.test(v));
  distinct.sort(allInts ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (distinct.length < 2) {
    const only = distinct.length ? `only one class ("${distinct[0]}")` : 'no values';
    fail(where, `field "${field}" has ${only}; a classifier needs two or more classes`);
  }
  const id = new Map(distinct.map((v, i) => [v, i]));
  return { labels: values.map((v) => id.get(v)!), labelNames: distinct };
}
