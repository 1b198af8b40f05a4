/**
 * Neural-network ops: Softmax/LogSoftmax, LayerNormalization, Gather (embeddings), Dropout,
 * OneHot and attention-mask helpers. Each uses ORT's fused kernel forward and a hand-written
 * gradient built from standard ops.
 */
import { type Tensor, opError } from '../graph.js';
import { normAxis } from '../shape.js';
import { type DType, isFloat } from '../types.js';
import { cast, exp, mul, reduceSumRaw, sub, unsqueeze, where } from './elementwise.js';
import { reduceMean } from './reduce.js';

function checkFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) opError(op, `needs a float tensor, got ${x.dtype}`, x);
}

export function softmax(x: Tensor, axis = -1): Tensor {
  checkFloat('Softmax', x);
  const a = normAxis(axis, x.rank);
  const [y] = x.graph.addNode('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis: { i: a } }, {
    grad: (_n, [dy]) => [dy ? mul(y, sub(dy, reduceSumRaw(mul(dy, y), [a], true))) : undefined],
  });
  return y;
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkFloat('LogSoftmax', x);
  const a = normAxis(axis, x.rank);
  const [y] = x.graph.addNode('LogSoftmax', [x], [{ dtype: x.dtype, shape: x.shape }], { axis: { i: a } }, {
    grad: (_n, [dy]) => [dy ? sub(dy, mul(exp(y), reduceSumRaw(dy, [a], true))) : undefined],
  });
  return y;
}

/**
 * LayerNormalization over the last axis (opset 17). The kernel also returns the mean and
 * 1/std it computed, which the gradient reuses instead of recomputing them.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  checkFloat('LayerNormalization', x);
  const d = x.shape[x.rank - 1];
  if (gamma.rank !== 1 || gamma.shape[0] !== d || beta.rank !== 1 || beta.shape[0] !== d) {
    opError('LayerNormalization', `scale and bias must be [${d}]`, x, gamma, beta);
  }
  const statShape = [...x.shape.slice(0, -1), 1];
  const [y] = x.graph.addNode(
    'LayerNormalization',
    [x, gamma, beta],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: 'float32', shape: statShape },
      { dtype: 'float32', shape: statShape },
    ],
    { axis: { i: -1 }, epsilon: { f: eps } },
    {
      grad: (node, [dy]) => {
        if (!dy) return [undefined, undefined, undefined];
        const [, mean, invStd] = node.outputs;
        const lead = [...Array(x.rank - 1).keys()];
        const xhat = mul(sub(x, mean), invStd);
        const dxhat = mul(dy, gamma);
        const dx = mul(invStd, sub(sub(dxhat, reduceMean(dxhat, [-1], true)), mul(xhat, reduceMean(mul(dxhat, xhat), [-1], true))));
        const dgamma = reduceSumRaw(mul(dy, xhat), lead, false);
        const dbeta = reduceSumRaw(dy, lead, false);
        return [dx, dgamma, dbeta];
      },
    },
  );
  return y;
}

/**
 * Rows of `table` picked by integer `indices` (an embedding lookup: Gather on axis 0).
 * The table's gradient is a scatter-add of dy into zeros (ScatterND, reduction 'add'), so the
 * [vocab, dim] one-hot product is never formed.
 */
export function gather(table: Tensor, indices: Tensor): Tensor {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') opError('Gather', `indices must be int64 or int32, got ${indices.dtype}`, indices);
  const g = table.graph;
  const shape = [...indices.shape, ...table.shape.slice(1)];
  const [y] = g.addNode('Gather', [table, indices], [{ dtype: table.dtype, shape }], { axis: { i: 0 } }, {
    grad: (_n, [dy]) => {
      if (!dy) return [undefined, undefined];
      if (!table.shape.every((d) => typeof d === 'number')) opError('Gather', 'gradient needs a table of fixed shape', table);
      const zeros = g.addNode('ConstantOfShape', [g.int64s(table.shape as number[])], [{ dtype: 'float32', shape: table.shape }])[0];
      const idx = unsqueeze(cast(indices, 'int64'), [-1]);
      const dt = g.addNode('ScatterND', [zeros, idx, dy], [{ dtype: table.dtype, shape: table.shape }], { reduction: { s: 'add' } })[0];
      return [dt, undefined];
    },
  });
  return y;
}

/**
 * Inverted dropout with probability p, active in training graphs only: exported inference
 * graphs replace it by an identity. The mask comes from ORT's kernel seeded from graph.seed, so a
 * run is reproducible for a given seed and thread count.
 */
export function dropout(x: Tensor, p: number, seed?: number): Tensor {
  checkFloat('Dropout', x);
  if (!(p >= 0 && p < 1)) opError('Dropout', `probability must be in [0, 1), got ${p}`, x);
  if (p === 0) return x;
  const g = x.graph;
  const [y] = g.addNode(
    'Dropout',
    [x, g.scalar(p, x.dtype), g.scalar(1, 'bool')],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: 'bool', shape: x.shape },
    ],
    { seed: { i: seed ?? g.nextSeed() } },
    {
      inferenceIdentity: true,
      grad: (node, [dy]) => [dy ? mul(where(node.outputs[1], dy, 0), 1 / (1 - p)) : undefined, undefined, undefined],
    },
  );
  return y;
}

/** One-hot float encoding of integer labels: [..., depth] (no gradient). */
export function oneHot(labels: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  if (labels.dtype !== 'int64' && labels.dtype !== 'int32') opError('OneHot', `labels must be integers, got ${labels.dtype}`, labels);
  const g = labels.graph;
  const values = dtype === 'float32' ? g.constant(Float32Array.of(0, 1), [2], 'float32') : g.constant(Float64Array.of(0, 1), [2], dtype);
  return g.addNode('OneHot', [labels, g.int64s([depth]), values], [{ dtype, shape: [...labels.shape, depth] }], { axis: { i: -1 } })[0];
}

/**
 * An additive attention bias from a [batch, seq] padding mask (1 = token, 0 = padding):
 * 0 where attended, a large negative number where masked, shaped [batch, 1, 1, seq] to broadcast
 * over heads and query positions.
 */
export function attentionMaskBias(mask: Tensor, dtype: DType = 'float32'): Tensor {
  if (mask.rank !== 2) opError('attentionMaskBias', 'mask must be [batch, seq]', mask);
  const m = cast(mask, dtype);
  return unsqueeze(mul(sub(1, m), -1e9), [1, 2]);
}
