/**
 * Elementwise ops with numpy broadcasting, and their gradients. A broadcast input's gradient is
 * summed over the axes it was broadcast along (reduceToShape), so biases and scalars get the right
 * gradient shapes.
 */
import { type Graph, Tensor, opError } from '../graph.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { type DType, type Dim, isFloat } from '../types.js';

export type TensorLike = Tensor | number;

function graphOf(...xs: TensorLike[]): Graph {
  for (const x of xs) if (x instanceof Tensor) return x.graph;
  throw new Error('op needs at least one Tensor argument');
}

/** Turn numbers into scalar constants of the other operand's dtype. */
export function lift(x: TensorLike, like: TensorLike, g: Graph = graphOf(x, like)): Tensor {
  if (x instanceof Tensor) return x;
  const dtype: DType = like instanceof Tensor ? like.dtype : 'float32';
  return g.scalar(x, dtype);
}

/** Sum a gradient over broadcast axes so that it takes `target`'s shape. */
export function reduceToShape(dy: Tensor, target: Tensor): Tensor {
  if (sameShape(dy.shape, target.shape)) return dy;
  const g = dy.graph;
  let t = dy;
  const lead = dy.rank - target.rank;
  if (lead > 0) t = reduceSumRaw(t, [...Array(lead).keys()], false);
  const axes: number[] = [];
  target.shape.forEach((d, i) => {
    if (d === 1 && t.shape[i] !== 1) axes.push(i);
  });
  if (axes.length) t = reduceSumRaw(t, axes, true);
  if (!sameShape(t.shape, target.shape)) {
    // symbolic dims resolved by broadcasting against a fixed size: the values already match
    t = g.addNode('Reshape', [t, shapeOf(target)], [{ dtype: t.dtype, shape: target.shape }])[0];
  }
  return t;
}

/** ReduceSum with axes as an input (opset 13+); used by gradients and ops/reduce.ts. */
export function reduceSumRaw(x: Tensor, axes: number[], keepdims: boolean): Tensor {
  const g = x.graph;
  const norm = axes.map((a) => (a < 0 ? a + x.rank : a));
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  return g.addNode('ReduceSum', [x, g.int64s(norm)], [{ dtype: x.dtype, shape }], { keepdims: { i: keepdims ? 1 : 0 } }, {
    grad: (_n, [dy]) => [dy ? expandLike(keepdims ? dy : unsqueeze(dy, norm), x) : undefined, undefined],
  })[0];
}

/** Runtime shape of a tensor (int64 [rank]). */
export function shapeOf(x: Tensor): Tensor {
  return x.graph.addNode('Shape', [x], [{ dtype: 'int64', shape: [x.rank] }])[0];
}

/** Broadcast y up to x's (runtime) shape. */
export function expandLike(y: Tensor, x: Tensor): Tensor {
  return x.graph.addNode('Expand', [y, shapeOf(x)], [{ dtype: y.dtype, shape: x.shape }], {}, {
    grad: (_n, [dy]) => [dy ? reduceToShape(dy, y) : undefined, undefined],
  })[0];
}

export function unsqueeze(x: Tensor, axes: number[]): Tensor {
  const g = x.graph;
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]);
  return g.addNode('Unsqueeze', [x, g.int64s(norm)], [{ dtype: x.dtype, shape }], {}, {
    grad: (_n, [dy]) => [dy ? squeeze(dy, norm) : undefined, undefined],
  })[0];
}

export function squeeze(x: Tensor, axes: number[]): Tensor {
  const g = x.graph;
  const norm = axes.map((a) => (a < 0 ? a + x.rank : a)).sort((a, b) => a - b);
  for (const a of norm) if (x.shape[a] !== 1) opError('Squeeze', `axis ${a} has size ${x.shape[a]}, not 1`, x);
  const shape = x.shape.filter((_d, i) => !norm.includes(i));
  return g.addNode('Squeeze', [x, g.int64s(norm)], [{ dtype: x.dtype, shape }], {}, {
    grad: (_n, [dy]) => [dy ? unsqueeze(dy, norm) : undefined, undefined],
  })[0];
}

function binary(
  op: string,
  a: TensorLike,
  b: TensorLike,
  grad?: (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => [Tensor | undefined, Tensor | undefined],
  outDtype?: DType,
): Tensor {
  const g = graphOf(a, b);
  const ta = lift(a, b, g);
  const tb = lift(b, a, g);
  if (ta.dtype !== tb.dtype) opError(op, `dtypes differ: ${ta.dtype} vs ${tb.dtype}`, ta, tb);
  const shape = broadcastShapes(ta.shape, tb.shape);
  if (!shape) opError(op, 'shapes do not broadcast', ta, tb);
  const [y] = g.addNode(op, [ta, tb], [{ dtype: outDtype ?? ta.dtype, shape }], {}, {
    grad: grad
      ? (_n, [dy]) => {
          if (!dy) return [undefined, undefined];
          const [da, db] = grad(ta, tb, y, dy);
          return [da ? reduceToShape(da, ta) : undefined, db ? reduceToShape(db, tb) : undefined];
        }
      : undefined,
  });
  return y;
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('Add', a, b, (_a, _b, _y, dy) => [dy, dy]);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('Sub', a, b, (_a, _b, _y, dy) => [dy, neg(dy)]);
export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  binary('Mul', a, b, (ta, tb, _y, dy) => [mul(dy, tb), mul(dy, ta)]);
export const div = (a: TensorLike, b: TensorLike): Tensor =>
  binary('Div', a, b, (_ta, tb, y, dy) => [div(dy, tb), neg(div(mul(dy, y), tb))]);
/** Elementwise maximum of two tensors (gradient goes to the larger; ties to a). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binary('Max', a, b, (ta, tb, _y, dy) => {
    const aWins = greaterOrEqual(ta, tb);
    return [where(aWins, dy, 0), where(aWins, 0, dy)];
  });
export const minimum = (a: TensorLike, b: TensorLike): Tensor =>
  binary('Min', a, b, (ta, tb, _y, dy) => {
    const aWins = lessOrEqual(ta, tb);
    return [where(aWins, dy, 0), where(aWins, 0, dy)];
  });

export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('Greater', a, b, undefined, 'bool');
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('Less', a, b, undefined, 'bool');
export const greaterOrEqual = (a: TensorLike, b: TensorLike): Tensor => binary('GreaterOrEqual', a, b, undefined, 'bool');
export const lessOrEqual = (a: TensorLike, b: TensorLike): Tensor => binary('LessOrEqual', a, b, undefined, 'bool');
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('Equal', a, b, undefined, 'bool');

function unary(op: string, x: Tensor, grad?: (x: Tensor, y: Tensor, dy: Tensor) => Tensor, attrs = {}, domain = ''): Tensor {
  if (!isFloat(x.dtype) && grad) opError(op, `needs a float tensor, got ${x.dtype}`, x);
  const [y] = x.graph.addNode(op, [x], [{ dtype: x.dtype, shape: x.shape }], attrs, {
    domain,
    grad: grad ? (_n, [dy]) => [dy ? grad(x, y, dy) : undefined] : undefined,
  });
  return y;
}

export const neg = (x: Tensor): Tensor => unary('Neg', x, (_x, _y, dy) => neg(dy));
export const exp = (x: Tensor): Tensor => unary('Exp', x, (_x, y, dy) => mul(dy, y));
export const log = (x: Tensor): Tensor => unary('Log', x, (tx, _y, dy) => div(dy, tx));
export const sqrt = (x: Tensor): Tensor => unary('Sqrt', x, (_x, y, dy) => div(mul(dy, 0.5), y));
export const abs = (x: Tensor): Tensor => unary('Abs', x, (tx, _y, dy) => mul(dy, sign(tx)));
export const sign = (x: Tensor): Tensor => unary('Sign', x);
export const square = (x: Tensor): Tensor => mul(x, x);
export const relu = (x: Tensor): Tensor => unary('Relu', x, (tx, _y, dy) => where(greater(tx, 0), dy, 0));
export const tanh = (x: Tensor): Tensor => unary('Tanh', x, (_x, y, dy) => mul(dy, sub(1, mul(y, y))));
export const sigmoid = (x: Tensor): Tensor => unary('Sigmoid', x, (_x, y, dy) => mul(dy, mul(y, sub(1, y))));
/** log(1 + e^x), computed stably by ONNX Runtime; d/dx = sigmoid(x). */
export const softplus = (x: Tensor): Tensor => unary('Softplus', x, (tx, _y, dy) => mul(dy, sigmoid(tx)));
export const erf = (x: Tensor): Tensor =>
  unary('Erf', x, (tx, _y, dy) => mul(dy, mul(exp(neg(mul(tx, tx))), 2 / Math.sqrt(Math.PI))));

/**
 * Exact (erf) GELU, as in BERT/DistilBERT. Forward is ORT's fused com.microsoft Gelu kernel;
 * backward is dy * (Phi(x) + x * phi(x)).
 */
export const gelu = (x: Tensor): Tensor =>
  unary(
    'Gelu',
    x,
    (tx, _y, dy) => {
      const cdf = mul(add(erf(mul(tx, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(mul(tx, tx), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return mul(dy, add(cdf, mul(tx, pdf)));
    },
    {},
    'com.microsoft',
  );

/** where(cond, a, b): elementwise select; numbers become scalars of the other branch's dtype. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const g = cond.graph;
  if (cond.dtype !== 'bool') opError('Where', `condition must be bool, got ${cond.dtype}`, cond);
  const ta = lift(a, b, g);
  const tb = lift(b, a, g);
  if (ta.dtype !== tb.dtype) opError('Where', `branch dtypes differ: ${ta.dtype} vs ${tb.dtype}`, ta, tb);
  const s1 = broadcastShapes(cond.shape, ta.shape);
  const shape = s1 && broadcastShapes(s1, tb.shape);
  if (!shape) opError('Where', 'shapes do not broadcast', cond, ta, tb);
  return g.addNode('Where', [cond, ta, tb], [{ dtype: ta.dtype, shape }], {}, {
    grad: (_n, [dy]) =>
      dy ? [undefined, reduceToShape(where(cond, dy, 0), ta), reduceToShape(where(cond, 0, dy), tb)] : [undefined, undefined, undefined],
  })[0];
}

const CAST_TO: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 };

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const differentiable = isFloat(x.dtype) && isFloat(dtype);
  return x.graph.addNode('Cast', [x], [{ dtype, shape: x.shape }], { to: { i: CAST_TO[dtype] } }, {
    grad: differentiable ? (_n, [dy]) => [dy ? cast(dy, x.dtype) : undefined] : undefined,
  })[0];
}

/** Sum of several tensors of one shape (used to accumulate gradients). */
export function sumAll(xs: Tensor[]): Tensor {
  if (xs.length === 1) return xs[0];
  if (xs.length === 2) return add(xs[0], xs[1]);
  const g = xs[0].graph;
  let shape = xs[0].shape as Dim[];
  for (const x of xs.slice(1)) shape = broadcastShapes(shape, x.shape) ?? opError('Sum', 'shapes do not broadcast', ...xs);
  return g.addNode('Sum', xs, [{ dtype: xs[0].dtype, shape }], {}, {
    grad: (_n, [dy]) => xs.map((x) => (dy ? reduceToShape(dy, x) : undefined)),
  })[0];
}
