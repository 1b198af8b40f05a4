/**
 * Shape ops: Reshape, Transpose, Slice, Concat (Unsqueeze/Squeeze live in elementwise.ts since
 * gradients need them). Symbolic dims in a Reshape target are resolved at run time from the graph
 * input that declared them, so reshape(x, ['batch', 'seq', 12, 64]) works on a [batch*seq, 768] x.
 */
import { type Graph, type Tensor, opError } from '../graph.js';
import { normAxis, productDim, staticSize } from '../shape.js';
import type { Dim } from '../types.js';
import { shapeOf, sub } from './elementwise.js';

export { unsqueeze, squeeze } from './elementwise.js';

const symbolCache = new WeakMap<Graph, Map<string, Tensor>>();

/** A runtime int64 [1] tensor holding the size of a symbolic dim, read from the input that declared it. */
export function symbolDim(g: Graph, name: string): Tensor {
  let cache = symbolCache.get(g);
  if (!cache) symbolCache.set(g, (cache = new Map()));
  let t = cache.get(name);
  if (!t) {
    const src = g.inputs.find((i) => i.shape.includes(name));
    if (!src) throw opError('Reshape', `no graph input declares the symbolic dim "${name}"`);
    const axis = src.shape.indexOf(name);
    t = g.addNode('Shape', [src], [{ dtype: 'int64', shape: [1] }], { start: { i: axis }, end: { i: axis + 1 } })[0];
    cache.set(name, t);
  }
  return t;
}

/**
 * Reshape to `dims`: numbers (or -1 for "the rest", 0 for "keep this input dim") and symbolic names.
 */
export function reshape(x: Tensor, dims: readonly Dim[]): Tensor {
  const g = x.graph;
  const pieces: (number | Tensor)[] = [];
  const out: Dim[] = [];
  let inferAt = -1;
  dims.forEach((d, i) => {
    if (d === -1) {
      if (inferAt >= 0) opError('Reshape', `two -1 dims in target [${dims}]`, x);
      inferAt = i;
      pieces.push(-1);
      out.push(-1);
    } else if (d === 0) {
      pieces.push(0);
      out.push(x.shape[i]);
    } else if (typeof d === 'number') {
      pieces.push(d);
      out.push(d);
    } else if (x.shape[i] === d) {
      pieces.push(0);
      out.push(d);
    } else {
      pieces.push(symbolDim(g, d));
      out.push(d);
    }
  });
  // infer the -1 dim at build time (as a number or a symbolic product)
  if (inferAt >= 0) {
    const inSize = staticSize(x.shape);
    const known = out.filter((_d, i) => i !== inferAt);
    const knownSize = staticSize(known);
    if (inSize !== undefined && knownSize !== undefined) {
      if (inSize % knownSize !== 0) opError('Reshape', `cannot reshape to [${dims}]`, x);
      out[inferAt] = inSize / knownSize;
    } else {
      // cancel symbols that appear on both sides, then divide the fixed parts
      const inSyms = x.shape.flatMap((d) => (typeof d === 'string' ? d.split('*').filter((s) => isNaN(+s)) : []));
      const inFixed = x.shape.reduce<number>((p, d) => p * (typeof d === 'number' ? d : d.split('*').filter((s) => !isNaN(+s)).reduce((q, s) => q * +s, 1)), 1);
      const outSyms = known.flatMap((d) => (typeof d === 'string' ? d.split('*').filter((s) => isNaN(+s)) : []));
      const outFixed = known.reduce<number>((p, d) => p * (typeof d === 'number' ? d : 1), 1);
      for (const s of outSyms) {
        const k = inSyms.indexOf(s);
        if (k >= 0) inSyms.splice(k, 1);
      }
      const ratio = inFixed / outFixed;
      out[inferAt] = Number.isInteger(ratio) ? productDim([...inSyms, ratio]) : `${x.name}_rest`;
    }
  }
  let target: Tensor;
  if (pieces.every((p) => typeof p === 'number')) target = g.int64s(pieces as number[]);
  else {
    const parts = pieces.map((p) => (typeof p === 'number' ? g.int64s([p]) : p));
    target = g.addNode('Concat', parts, [{ dtype: 'int64', shape: [dims.length] }], { axis: { i: 0 } })[0];
  }
  const [y] = g.addNode('Reshape', [x, target], [{ dtype: x.dtype, shape: out }], {}, {
    grad: (_n, [dy]) => [dy ? reshapeLike(dy, x) : undefined, undefined],
  });
  return y;
}

/** Reshape y to x's runtime shape. */
export function reshapeLike(y: Tensor, x: Tensor): Tensor {
  return x.graph.addNode('Reshape', [y, shapeOf(x)], [{ dtype: y.dtype, shape: x.shape }], {}, {
    grad: (_n, [dy]) => [dy ? reshapeLike(dy, y) : undefined, undefined],
  })[0];
}

export function transpose(x: Tensor, perm: number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) opError('Transpose', `bad perm [${perm}]`, x);
  const inv = perm.map((_p, i) => perm.indexOf(i));
  return x.graph.addNode('Transpose', [x], [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], { perm: { ints: perm } }, {
    grad: (_n, [dy]) => [dy ? transpose(dy, inv) : undefined],
  })[0];
}

const BIG = 2 ** 62;

/**
 * Slice with step 1 along `axes` (numpy x[start:end]); end may be omitted (to the end).
 * Its gradient pads dy with zeros back to x's shape (dims may be symbolic).
 */
export function slice(x: Tensor, starts: number[], ends: (number | undefined)[], axes: number[]): Tensor {
  const g = x.graph;
  const nAxes = axes.map((a) => normAxis(a, x.rank));
  const shape = [...x.shape];
  nAxes.forEach((a, i) => {
    const d = x.shape[a];
    const s = starts[i];
    const e = ends[i];
    if (typeof d === 'number') {
      const s0 = Math.min(Math.max(s < 0 ? s + d : s, 0), d);
      const e0 = e === undefined ? d : Math.min(Math.max(e < 0 ? e + d : e, 0), d);
      shape[a] = Math.max(e0 - s0, 0);
    } else if (s >= 0 && e !== undefined && e >= 0) shape[a] = e - s;
    else if (s >= 0 && e === undefined && s === 0) shape[a] = d;
    else shape[a] = `${d}_slice`;
  });
  const [y] = g.addNode(
    'Slice',
    [x, g.int64s(starts), g.int64s(ends.map((e) => e ?? BIG)), g.int64s(nAxes)],
    [{ dtype: x.dtype, shape }],
    {},
    { grad: (_n, [dy]) => [dy ? sliceGrad(dy, x, starts, ends, nAxes) : undefined, undefined, undefined, undefined] },
  );
  return y;
}

function sliceGrad(dy: Tensor, x: Tensor, starts: number[], ends: (number | undefined)[], axes: number[]): Tensor {
  const g = x.graph;
  // pads = [begin_0..begin_r-1, end_0..end_r-1]; end pad = dim - end
  const rank = x.rank;
  const before: (number | Tensor)[] = Array(rank).fill(0);
  const after: (number | Tensor)[] = Array(rank).fill(0);
  const xShape = shapeOf(x);
  const dimOf = (a: number): Tensor => g.addNode('Slice', [xShape, g.int64s([a]), g.int64s([a + 1])], [{ dtype: 'int64', shape: [1] }])[0];
  axes.forEach((a, i) => {
    const s = starts[i];
    const e = ends[i];
    const d = x.shape[a];
    if (typeof d === 'number') {
      const s0 = Math.min(Math.max(s < 0 ? s + d : s, 0), d);
      const e0 = e === undefined ? d : Math.min(Math.max(e < 0 ? e + d : e, 0), d);
      before[a] = s0;
      after[a] = d - e0;
    } else {
      if (s < 0 || (e !== undefined && e < 0)) opError('Slice', 'gradient needs non-negative bounds on a symbolic axis', x);
      before[a] = s;
      after[a] = e === undefined ? 0 : sub(dimOf(a), g.int64s([e]));
    }
  });
  const all = [...before, ...after];
  const pads = all.every((p) => typeof p === 'number')
    ? g.int64s(all as number[])
    : g.addNode('Concat', all.map((p) => (typeof p === 'number' ? g.int64s([p]) : p)), [{ dtype: 'int64', shape: [2 * rank] }], { axis: { i: 0 } })[0];
  return g.addNode('Pad', [dy, pads], [{ dtype: dy.dtype, shape: x.shape }], { mode: { s: 'constant' } })[0];
}

export function concat(xs: Tensor[], axis: number): Tensor {
  const g = xs[0].graph;
  const a = normAxis(axis, xs[0].rank);
  const shape = [...xs[0].shape];
  for (const x of xs.slice(1)) {
    if (x.rank !== xs[0].rank || x.dtype !== xs[0].dtype || x.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      opError('Concat', `inputs differ outside axis ${a}`, ...xs);
    }
  }
  const sizes = xs.map((x) => x.shape[a]);
  shape[a] = sizes.every((s) => typeof s === 'number') ? (sizes as number[]).reduce((p, s) => p + s, 0) : productDim([sizes.join('+')]);
  return g.addNode('Concat', xs, [{ dtype: xs[0].dtype, shape }], { axis: { i: a } }, {
    grad: (_n, [dy]) => {
      if (!dy) return xs.map(() => undefined);
      if (!sizes.every((s) => typeof s === 'number')) opError('Concat', 'gradient needs fixed sizes along the axis', ...xs);
      let off = 0;
      return xs.map((_x, i) => {
        const s = sizes[i] as number;
        const piece = slice(dy, [off], [off + s], [a]);
        off += s;
        return piece;
      });
    },
  })[0];
}

/** Flatten to 2-D: [d0*...*d(axis-1), rest]; the trailing dims must be fixed. */
export function flatten(x: Tensor, axis = 1): Tensor {
  const rest = staticSize(x.shape.slice(axis));
  if (rest === undefined) opError('flatten', `trailing dims from axis ${axis} must be fixed`, x);
  return reshape(x, [-1, rest]);
}
