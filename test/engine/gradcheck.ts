/**
 * Finite-difference gradient checking against real ONNX Runtime sessions. For a function f built
 * from ops, the scalar L = sum(f(x) * r) (r fixed random) is differentiated by autodiff, and the
 * directional derivative along random directions is compared with a central difference.
 */
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../../src/engine/graph.js';
import { gradients } from '../../src/engine/autodiff.js';
import { emitModel } from '../../src/engine/onnx.js';
import { createSession, ort } from '../../src/engine/runtime/ort.js';
import { mul, reduceSum, cast } from '../../src/engine/ops/index.js';
import { Rng } from '../../src/engine/init.js';

export interface CheckInput {
  name: string;
  dims: number[];
  /** Non-differentiable inputs (indices, masks) carry fixed data and no gradient check. */
  data?: Float32Array | BigInt64Array | Uint8Array;
  dtype?: 'float32' | 'int64' | 'bool';
  /** Generator for float values (default uniform [-1, 1]). */
  gen?: (rng: Rng) => number;
}

export async function gradCheck(
  inputs: CheckInput[],
  f: (...xs: Tensor[]) => Tensor,
  opts: { eps?: number; rtol?: number; atol?: number; directions?: number; seed?: number; feedsExtra?: Record<string, { dims: number[]; data: BigInt64Array | Float32Array }> } = {},
): Promise<void> {
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 2e-2;
  const atol = opts.atol ?? 2e-3;
  const rng = new Rng(opts.seed ?? 7);
  const g = new Graph('gradcheck');
  const xs = inputs.map((i) => g.input(i.name, i.dtype ?? 'float32', i.dims));
  const y = f(...xs);
  const yf = cast(y, 'float32');
  const n = yf.shape.reduce<number>((p, d) => p * (d as number), 1);
  const r = g.constant(Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), yf.shape as number[], 'float32');
  const loss = reduceSum(mul(yf, r));
  const diffIdx = inputs.map((_i, k) => k).filter((k) => (inputs[k].dtype ?? 'float32') === 'float32' && !inputs[k].data);
  const grads = gradients(loss, diffIdx.map((k) => xs[k]));
  grads.forEach((gr, j) => assert.ok(gr, `no gradient reaches ${inputs[diffIdx[j]].name}`));
  const model = emitModel(g, {
    outputs: [{ name: 'loss', tensor: loss }, ...grads.map((gr, j) => ({ name: `d_${inputs[diffIdx[j]].name}`, tensor: gr! }))],
    mode: 'train',
    params: 'initializers',
  });
  const session = await createSession(model.bytes, { threads: 1 });
  const base: Record<string, ort.Tensor> = {};
  const values: Float32Array[] = [];
  inputs.forEach((i, k) => {
    const dtype = i.dtype ?? 'float32';
    if (i.data) base[i.name] = new ort.Tensor(dtype, i.data as never, i.dims);
    else {
      const v = Float32Array.from({ length: i.dims.reduce((p, d) => p * d, 1) }, () => (i.gen ? i.gen(rng) : rng.uniform(-1, 1)));
      values[k] = v;
      base[i.name] = new ort.Tensor('float32', v, i.dims);
    }
  });
  const feeds = (over: Record<string, Float32Array> = {}) => {
    const out: Record<string, ort.Tensor> = {};
    for (const [name, e] of Object.entries(opts.feedsExtra ?? {})) {
      if (model.inputs.includes(name)) out[name] = new ort.Tensor(e.data instanceof BigInt64Array ? 'int64' : 'float32', e.data, e.dims);
    }
    for (const i of inputs) {
      if (!model.inputs.includes(i.name)) continue;
      out[i.name] = over[i.name] ? new ort.Tensor('float32', over[i.name], i.dims) : base[i.name];
    }
    return out;
  };
  const res = await session.run(feeds());
  for (const k of diffIdx) {
    const gi = res[`d_${inputs[k].name}`].data as Float32Array;
    assert.equal(gi.length, values[k].length, `gradient of ${inputs[k].name} has ${gi.length} values, input ${values[k].length}`);
    for (let d = 0; d < (opts.directions ?? 3); d++) {
      const dir = Float32Array.from(values[k], () => rng.uniform(-1, 1));
      const plus = values[k].map((v, i) => v + eps * dir[i]);
      const minus = values[k].map((v, i) => v - eps * dir[i]);
      const lp = ((await session.run(feeds({ [inputs[k].name]: plus }), ['loss'])).loss.data as Float32Array)[0];
      const lm = ((await session.run(feeds({ [inputs[k].name]: minus }), ['loss'])).loss.data as Float32Array)[0];
      const fd = (lp - lm) / (2 * eps);
      let an = 0;
      for (let i = 0; i < gi.length; i++) an += gi[i] * dir[i];
      const tol = atol + rtol * Math.max(Math.abs(an), Math.abs(fd));
      assert.ok(Math.abs(fd - an) <= tol, `d/d${inputs[k].name} along direction ${d}: autodiff ${an}, finite difference ${fd} (tol ${tol.toExponential(2)})`);
    }
  }
  await session.release();
}
