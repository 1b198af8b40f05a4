/** Reductions. Their gradients broadcast dy back with Expand (dims may be symbolic). */
import { type Tensor, opError } from '../graph.js';
import { isFloat } from '../types.js';
import type { Dim } from '../types.js';
import { cast, div, expandLike, mul, reduceSumRaw, unsqueeze } from './elementwise.js';

function axesOf(x: Tensor, axes?: number[]): number[] {
  const all = axes ?? [...Array(x.rank).keys()];
  return all.map((a) => {
    const n = a < 0 ? a + x.rank : a;
    if (n < 0 || n >= x.rank) opError('Reduce', `axis ${a} out of range`, x);
    return n;
  });
}

/** Sum over `axes` (all axes when omitted). */
export function reduceSum(x: Tensor, axes?: number[], keepdims = false): Tensor {
  return reduceSumRaw(x, axesOf(x, axes), keepdims);
}

/** Mean over `axes` (all axes when omitted). */
export function reduceMean(x: Tensor, axes?: number[], keepdims = false): Tensor {
  if (!isFloat(x.dtype)) opError('ReduceMean', `needs a float tensor, got ${x.dtype}`, x);
  const norm = axesOf(x, axes);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  const [y] = x.graph.addNode('ReduceMean', [x], [{ dtype: x.dtype, shape }], { axes: { ints: norm }, keepdims: { i: +keepdims } }, {
    grad: (_n, [dy]) => {
      if (!dy) return [undefined];
      const spread = expandLike(keepdims ? dy : unsqueeze(dy, norm), x);
      return [div(spread, countRatio(x, y))];
    },
  });
  return y;
}

/** numel(x) / numel(y) as a float scalar, from runtime sizes (dims may be symbolic). */
function countRatio(x: Tensor, y: Tensor): Tensor {
  const fixed = [x, y].map((t) => t.shape.every((d) => typeof d === 'number'));
  if (fixed[0] && fixed[1]) {
    const nx = (x.shape as number[]).reduce((p, d) => p * d, 1);
    const ny = (y.shape as number[]).reduce((p, d) => p * d, 1);
    return x.graph.scalar(nx / ny, x.dtype);
  }
  const size = (t: Tensor) => cast(x.graph.addNode('Size', [t], [{ dtype: 'int64', shape: [] }])[0], x.dtype);
  return div(size(x), size(y));
}

/** Sum of squares over all elements (a scalar): used by global-norm gradient clipping. */
export function sumSquares(x: Tensor): Tensor {
  return x.graph.addNode('ReduceSumSquare', [x], [{ dtype: x.dtype, shape: [] }], { keepdims: { i: 0 } }, {
    grad: (_n, [dy]) => [dy ? mul(mul(x, dy), 2) : undefined],
  })[0];
}
