/**
 * Matrix products. Gradients use Gemm/FusedMatMul transpose flags instead of Transpose nodes, so
 * no transposed copy of a weight or activation is ever materialised.
 */
import { type Attr, type Tensor, opError } from '../graph.js';
import { broadcastShapes } from '../shape.js';
import type { Dim } from '../types.js';
import { add, reduceToShape } from './elementwise.js';
import { reshape } from './shape-ops.js';

function matmulShape(op: string, a: Tensor, b: Tensor, transA: boolean, transB: boolean): Dim[] {
  if (a.dtype !== b.dtype) opError(op, `dtypes differ: ${a.dtype} vs ${b.dtype}`, a, b);
  if (a.rank < 2 || b.rank < 2) opError(op, 'both operands need rank >= 2 (use reshape/unsqueeze for vectors)', a, b);
  const [m, ka] = transA ? [a.shape[a.rank - 1], a.shape[a.rank - 2]] : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
  const [kb, n] = transB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : [b.shape[b.rank - 2], b.shape[b.rank - 1]];
  if (ka !== kb && !(typeof ka === 'string' && typeof kb === 'number') && !(typeof kb === 'string' && typeof ka === 'number')) {
    opError(op, `inner dims differ: ${ka} vs ${kb}${transA || transB ? ` (transA=${+transA}, transB=${+transB})` : ''}`, a, b);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (!batch) opError(op, 'batch dims do not broadcast', a, b);
  return [...batch, m, n];
}

/**
 * Batched matrix product with optional transposes of the last two dims. Without transposes it is
 * ONNX MatMul; with them, ORT's com.microsoft FusedMatMul (no Transpose copy).
 */
export function matmul(a: Tensor, b: Tensor, opts: { transA?: boolean; transB?: boolean; alpha?: number } = {}): Tensor {
  const transA = !!opts.transA;
  const transB = !!opts.transB;
  const alpha = opts.alpha ?? 1;
  const fused = transA || transB || alpha !== 1;
  const op = fused ? 'FusedMatMul' : 'MatMul';
  const shape = matmulShape(op, a, b, transA, transB);
  const attrs: Record<string, Attr> = fused ? { transA: { i: +transA }, transB: { i: +transB }, alpha: { f: alpha } } : {};
  const [y] = a.graph.addNode(op, [a, b], [{ dtype: a.dtype, shape }], attrs, {
    domain: fused ? 'com.microsoft' : '',
    grad: (_n, [dy]) => {
      if (!dy) return [undefined, undefined];
      // a' = op(a), b' = op(b), y = alpha a' b'.  da' = alpha dy b'^T, db' = alpha a'^T dy.
      const da = transA
        ? matmul(b, dy, { transA: transB, transB: true, alpha })
        : matmul(dy, b, { transB: !transB, alpha });
      let db: Tensor;
      if (b.rank === 2 && a.rank > 2 && !transA) {
        // b was broadcast over a's batch dims: fold them into rows and use one GEMM
        const a2 = reshape(a, [-1, a.shape[a.rank - 1]]);
        const dy2 = reshape(dy, [-1, dy.shape[dy.rank - 1]]);
        db = transB ? gemm(dy2, a2, undefined, { transA: true, transB: transA, alpha }) : gemm(a2, dy2, undefined, { transA: !transA, alpha });
      } else {
        db = transB ? matmul(dy, a, { transA: true, transB: transA, alpha }) : matmul(a, dy, { transA: !transA, alpha });
      }
      return [reduceToShape(da, a), reduceToShape(db, b)];
    },
  });
  return y;
}

/** ONNX Gemm on 2-D operands: alpha * op(a) op(b) + beta * c (c broadcast). */
export function gemm(
  a: Tensor,
  b: Tensor,
  c?: Tensor,
  opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
): Tensor {
  const transA = !!opts.transA;
  const transB = !!opts.transB;
  const alpha = opts.alpha ?? 1;
  const beta = opts.beta ?? 1;
  if (a.rank !== 2 || b.rank !== 2) opError('Gemm', 'operands must be 2-D', a, b);
  const shape = matmulShape('Gemm', a, b, transA, transB);
  if (c && !broadcastShapes(c.shape, shape)) opError('Gemm', `bias does not broadcast to [${shape}]`, a, b, c);
  const attrs = { transA: { i: +transA }, transB: { i: +transB }, alpha: { f: alpha }, beta: { f: beta } };
  const [y] = a.graph.addNode('Gemm', c ? [a, b, c] : [a, b], [{ dtype: a.dtype, shape }], attrs, {
    grad: (_n, [dy]) => {
      if (!dy) return [undefined, undefined, undefined];
      const da = transA
        ? gemm(b, dy, undefined, { transA: transB, transB: true, alpha })
        : gemm(dy, b, undefined, { transB: !transB, alpha });
      const db = transB
        ? gemm(dy, a, undefined, { transA: true, transB: transA, alpha })
        : gemm(a, dy, undefined, { transA: !transA, alpha });
      let dc: Tensor | undefined;
      if (c) {
        dc = reduceToShape(dy, c);
        if (beta !== 1) dc = mulScalar(dc, beta);
      }
      return [da, db, dc];
    },
  });
  return y;
}

function mulScalar(x: Tensor, s: number): Tensor {
  return x.graph.addNode('Mul', [x, x.graph.scalar(s, x.dtype)], [{ dtype: x.dtype, shape: x.shape }], {}, {})[0];
}

/**
 * A PyTorch-style linear layer: y = x W^T + b with W of shape [out, in] (so Hugging Face weights
 * load as they are). Always one Gemm with the bias fused: higher-rank x is folded to rows
 * ([batch, seq, in] -> [batch*seq, in]) and unfolded after (Reshape costs no copy in ORT), because
 * ORT's broadcast Add of a bias is slow — 3.6 ms for [8, 128, 768] + [768] on 2 threads, ~12 % of
 * a DistilBERT-base training step in bias Adds. When a leading dim cannot be rebuilt at run time
 * (not a number nor a graph input's symbol), FusedMatMul + Add instead.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (weight.rank !== 2) opError('linear', 'weight must be [out, in]', weight);
  if (x.shape[x.rank - 1] !== weight.shape[1]) opError('linear', `input features ${x.shape[x.rank - 1]} != weight in-features ${weight.shape[1]}`, x, weight);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) opError('linear', 'bias must be [out]', weight, bias);
  if (x.rank === 2) return gemm(x, weight, bias, { transB: true });
  const lead = x.shape.slice(0, -1);
  const rebuildable = lead.every((d) => (typeof d === 'number' && d >= 0) || (typeof d === 'string' && x.graph.inputs.some((i) => i.shape.includes(d))));
  if (rebuildable) {
    const rows = gemm(reshape(x, [-1, x.shape[x.rank - 1]]), weight, bias, { transB: true });
    return reshape(rows, [...lead, weight.shape[0]]);
  }
  const y = matmul(x, weight, { transB: true });
  return bias ? add(y, bias) : y;
}
