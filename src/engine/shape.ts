/**
 * Build-time shape algebra: numpy broadcasting over fixed and symbolic dims. Two different
 * symbolic names never broadcast against each other (we cannot know they match), so such a
 * mistake is reported when the graph is built rather than by ONNX Runtime mid-training.
 */
import type { Dim, Shape } from './types.js';

/** The broadcast shape of a and b, or undefined when they are incompatible. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (typeof da === 'string' && typeof db === 'number') out.push(db);
    else if (typeof db === 'string' && typeof da === 'number') out.push(da);
    else return undefined;
  }
  return out;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Normalise a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Product of dims as a fixed number, or undefined when any dim is symbolic. */
export function staticSize(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** A symbolic name for the product of dims, e.g. 'batch*seq' (used when flattening). */
export function productDim(dims: Shape): Dim {
  const fixed = dims.filter((d): d is number => typeof d === 'number').reduce((p, d) => p * d, 1);
  const sym = dims.filter((d): d is string => typeof d === 'string');
  if (sym.length === 0) return fixed;
  return fixed === 1 ? sym.join('*') : `${sym.join('*')}*${fixed}`;
}
