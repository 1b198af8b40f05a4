import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck } from './gradcheck.js';
import * as op from '../../src/engine/ops/index.js';

test('grad: Add/Sub/Mul/Div with broadcasting (grads summed over broadcast axes)', async () => {
  await gradCheck(
    [
      { name: 'a', dims: [3, 4] },
      { name: 'b', dims: [4] },
      { name: 'c', dims: [3, 1] },
    ],
    (a, b, c) => op.div(op.mul(op.sub(op.add(a, b), c), a), op.add(op.mul(c, c), 1.5)),
  );
});

test('grad: unary activations Relu, Tanh, Sigmoid, Exp, Log, Sqrt, Erf, GELU, Softplus, Neg', async () => {
  const pos = (r: { uniform(a: number, b: number): number }) => r.uniform(0.5, 2);
  // keep Relu's inputs away from its kink at 0 so the finite difference is meaningful
  const awayFromZero = (r: { uniform(a: number, b: number): number; next(): number }) => (r.next() < 0.5 ? -1 : 1) * r.uniform(0.1, 1.5);
  await gradCheck([{ name: 'x', dims: [2, 5], gen: awayFromZero }], (x) => op.relu(x));
  await gradCheck([{ name: 'x', dims: [2, 5] }], (x) => op.tanh(op.mul(x, 2)));
  await gradCheck([{ name: 'x', dims: [2, 5] }], (x) => op.sigmoid(op.mul(x, 3)));
  await gradCheck([{ name: 'x', dims: [2, 5] }], (x) => op.neg(op.exp(x)));
  await gradCheck([{ name: 'x', dims: [2, 5], gen: pos }], (x) => op.add(op.log(x), op.sqrt(x)));
  await gradCheck([{ name: 'x', dims: [2, 5] }], (x) => op.erf(op.mul(x, 1.5)));
  await gradCheck([{ name: 'x', dims: [3, 7] }], (x) => op.gelu(op.mul(x, 3)));
  await gradCheck([{ name: 'x', dims: [3, 7] }], (x) => op.softplus(op.mul(x, 3)));
});

test('grad: Max/Min/Abs', async () => {
  const spread = (r: { uniform(a: number, b: number): number; next(): number }) => (r.next() < 0.5 ? -1 : 1) * r.uniform(0.2, 1.5);
  await gradCheck([{ name: 'a', dims: [4, 3], gen: spread }, { name: 'b', dims: [3], gen: spread }], (a, b) =>
    op.add(op.maximum(a, b), op.minimum(a, op.mul(b, 0.5))),
  );
  await gradCheck([{ name: 'x', dims: [4, 3], gen: spread }], (x) => op.abs(x));
});

test('grad: MatMul (batched, broadcast weight, transposes) and Gemm', async () => {
  await gradCheck([{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [4, 5] }], (a, b) => op.matmul(a, b));
  await gradCheck([{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [2, 5, 4] }], (a, b) => op.matmul(a, b, { transB: true }));
  await gradCheck([{ name: 'a', dims: [2, 4, 3] }, { name: 'b', dims: [2, 4, 5] }], (a, b) => op.matmul(a, b, { transA: true, alpha: 0.5 }));
  await gradCheck([{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [5, 4] }], (a, b) => op.matmul(a, b, { transB: true }));
  await gradCheck([{ name: 'a', dims: [3, 4] }, { name: 'b', dims: [5, 4] }, { name: 'c', dims: [5] }], (a, b, c) =>
    op.gemm(a, b, c, { transB: true }),
  );
  await gradCheck([{ name: 'a', dims: [4, 3] }, { name: 'b', dims: [4, 5] }, { name: 'c', dims: [3, 1] }], (a, b, c) =>
    op.gemm(a, b, c, { transA: true, alpha: 2, beta: 0.5 }),
  );
  await gradCheck([{ name: 'x', dims: [2, 3, 4] }, { name: 'w', dims: [5, 4] }, { name: 'b', dims: [5] }], (x, w, b) => op.linear(x, w, b));
});

test('grad: Softmax and LogSoftmax', async () => {
  await gradCheck([{ name: 'x', dims: [3, 6] }], (x) => op.softmax(op.mul(x, 2), -1));
  await gradCheck([{ name: 'x', dims: [2, 4, 3] }], (x) => op.softmax(x, 1));
  await gradCheck([{ name: 'x', dims: [3, 6] }], (x) => op.logSoftmax(op.mul(x, 2)));
});

test('grad: LayerNormalization (input, scale, bias)', async () => {
  await gradCheck(
    [{ name: 'x', dims: [2, 3, 8], gen: (r) => r.uniform(-2, 2) }, { name: 'gamma', dims: [8] }, { name: 'beta', dims: [8] }],
    (x, gm, bt) => op.layerNorm(x, gm, bt, 1e-5),
  );
});

test('grad: Reshape/Transpose/Unsqueeze/Squeeze/Slice/Concat', async () => {
  await gradCheck([{ name: 'x', dims: [2, 3, 4] }], (x) => op.transpose(op.reshape(x, [6, 4]), [1, 0]));
  await gradCheck([{ name: 'x', dims: [2, 3, 4] }], (x) => op.squeeze(op.unsqueeze(op.mul(x, x), [1]), [1]));
  await gradCheck([{ name: 'x', dims: [4, 5] }], (x) => op.slice(x, [1, 0], [3, undefined], [0, 1]));
  await gradCheck([{ name: 'x', dims: [4, 5] }], (x) => op.slice(x, [-2], [undefined], [1]));
  await gradCheck([{ name: 'a', dims: [2, 3] }, { name: 'b', dims: [2, 2] }], (a, b) => op.concat([a, op.mul(b, b), a], 1));
});

test('grad: Slice and Reshape over symbolic dims', async () => {
  // x is declared [batch, seq, 4]; the check feeds [2, 3, 4]
  const { Graph } = await import('../../src/engine/graph.js');
  const g = new Graph('sym');
  const x = g.input('x', 'float32', ['batch', 'seq', 4]);
  const cls = op.squeeze(op.slice(x, [0], [1], [1]), [1]);
  assert.deepEqual(cls.shape, ['batch', 4]);
  const flat = op.reshape(x, [-1, 4]);
  assert.deepEqual(flat.shape, ['batch*seq', 4]);
  const back = op.reshape(flat, ['batch', 'seq', 2, 2]);
  assert.deepEqual(back.shape, ['batch', 'seq', 2, 2]);
});

test('grad: ReduceSum/ReduceMean, Where with masks, Cast', async () => {
  await gradCheck([{ name: 'x', dims: [2, 3, 4] }], (x) => op.reduceSum(x, [1]));
  await gradCheck([{ name: 'x', dims: [2, 3, 4] }], (x) => op.reduceMean(x, [0, 2], true));
  await gradCheck([{ name: 'x', dims: [2, 3, 4] }], (x) => op.reduceMean(x));
  await gradCheck([{ name: 'x', dims: [3, 4] }], (x) => op.sumSquares(x));
  const mask = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0]);
  await gradCheck(
    [{ name: 'm', dims: [3, 4], dtype: 'bool', data: mask }, { name: 'a', dims: [3, 4] }, { name: 'b', dims: [4] }],
    (m, a, b) => op.where(m, a, op.mul(b, 2)),
  );
  await gradCheck([{ name: 'x', dims: [3, 4] }], (x) => op.cast(op.mul(op.cast(x, 'float64'), 2), 'float32'));
});

test('grad: attention-mask bias keeps masked keys out of the softmax', async () => {
  const mask = BigInt64Array.from([1n, 1n, 1n, 0n, 1n, 1n, 0n, 0n]);
  await gradCheck([{ name: 'mask', dims: [2, 4], dtype: 'int64', data: mask }, { name: 's', dims: [2, 2, 3, 4] }], (m, s) =>
    op.softmax(op.add(s, op.attentionMaskBias(m)), -1),
  );
});

test('grad: Gather (embedding) scatters gradients, repeated indices add up', async () => {
  const ids = BigInt64Array.from([0n, 3n, 3n, 1n, 0n, 3n]);
  await gradCheck([{ name: 'ids', dims: [2, 3], dtype: 'int64', data: ids }, { name: 'table', dims: [5, 4] }], (i, t) => op.gather(t, i));
});

test('grad: Dropout (training) passes dy through kept units scaled by 1/(1-p); inference drops it', async () => {
  // a run draws a fresh mask, so finite differences cannot see one mask: check the rule exactly
  // against the mask the kernel returned in the same run instead
  const { Graph } = await import('../../src/engine/graph.js');
  const { gradients } = await import('../../src/engine/autodiff.js');
  const { emitModel } = await import('../../src/engine/onnx.js');
  const { createSession, ort } = await import('../../src/engine/runtime/ort.js');
  const g = new Graph('drop', { seed: 3 });
  const x = g.input('x', 'float32', [64]);
  const r = g.input('r', 'float32', [64]);
  const y = op.dropout(x, 0.25);
  const mask = y.producer!.outputs[1];
  const loss = op.reduceSum(op.mul(y, r));
  const [dx] = gradients(loss, [x]);
  const m = emitModel(g, { outputs: [{ name: 'y', tensor: y }, { name: 'mask', tensor: mask }, { name: 'dx', tensor: dx! }], mode: 'train', params: 'inputs' });
  const s = await createSession(m.bytes, { threads: 1 });
  const xv = Float32Array.from({ length: 64 }, (_v, i) => i / 10 - 3);
  const rv = Float32Array.from({ length: 64 }, (_v, i) => Math.cos(i));
  const out = await s.run({ x: new ort.Tensor('float32', xv, [64]), r: new ort.Tensor('float32', rv, [64]) });
  const mk = out.mask.data as Uint8Array;
  const kept = mk.reduce((a, b) => a + b, 0);
  assert.ok(kept > 32 && kept < 62, `kept ${kept} of 64 at p = 0.25`);
  for (let i = 0; i < 64; i++) {
    const scale = mk[i] ? 1 / 0.75 : 0;
    assert.ok(Math.abs((out.y.data as Float32Array)[i] - xv[i] * scale) < 1e-5);
    assert.ok(Math.abs((out.dx.data as Float32Array)[i] - rv[i] * scale) < 1e-5);
  }
  await s.release();
  const inf = emitModel(g, { outputs: [{ name: 'y', tensor: y }], mode: 'infer', params: 'initializers' });
  const si = await createSession(inf.bytes, { threads: 1 });
  const yi = await si.run({ x: new ort.Tensor('float32', xv, [64]) });
  assert.deepEqual(yi.y.data, xv);
  await si.release();
});

test('grad: losses — cross-entropy (with class weights), BCE, BCE on logits, MSE, KL with temperature', async () => {
  const labels = BigInt64Array.from([0n, 2n, 1n, 2n]);
  await gradCheck([{ name: 'y', dims: [4], dtype: 'int64', data: labels }, { name: 'z', dims: [4, 3] }], (y, z) => op.crossEntropy(op.mul(z, 2), y));
  await gradCheck([{ name: 'y', dims: [4], dtype: 'int64', data: labels }, { name: 'z', dims: [4, 3] }], (y, z) =>
    op.crossEntropy(z, y, { classWeights: [1, 0.5, 3] }),
  );
  const t = Float32Array.from([0, 1, 1, 0, 1]);
  await gradCheck([{ name: 't', dims: [5], data: t }, { name: 'z', dims: [5] }], (tt, z) => op.bceWithLogits(op.mul(z, 3), tt, { posWeight: 4 }));
  await gradCheck([{ name: 't', dims: [5], data: t }, { name: 'z', dims: [5] }], (tt, z) => op.bce(op.sigmoid(op.mul(z, 3)), tt));
  await gradCheck([{ name: 'p', dims: [3, 2] }, { name: 'q', dims: [3, 2] }], (p, q) => op.mse(p, q));
  await gradCheck([{ name: 's', dims: [4, 5] }, { name: 'te', dims: [4, 5] }], (s, te) => op.klDivergence(op.mul(s, 3), op.mul(te, 3), 2));
  await gradCheck([{ name: 's', dims: [4, 5] }, { name: 'p', dims: [4, 5], gen: (r) => r.uniform(0, 0.4) }], (s, p) => op.softCrossEntropy(s, p));
});
