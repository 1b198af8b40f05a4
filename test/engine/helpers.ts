/** Small models and data shared by the engine tests. */
import { Graph, Rng, init, op, type HostTensor, type Tensor } from '../../src/engine/index.js';

/** Two interleaved spirals-ish classes: points labelled by the sign of sin(x0*3) + x1. */
export function toyData(n: number, seed: number): { x: HostTensor; y: HostTensor } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(-2, 2);
    const b = rng.uniform(-2, 2);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = Math.sin(a * 1.5) + b * 0.7 > 0 ? 1n : 0n;
  }
  return { x: { dtype: 'float32', dims: [n, 2], data: x }, y: { dtype: 'int64', dims: [n], data: y } };
}

export function mlp(seed = 1, hidden = 32): { g: Graph; x: Tensor; y: Tensor; logits: Tensor; loss: Tensor } {
  const rng = new Rng(seed);
  const g = new Graph('mlp', { seed });
  const x = g.input('x', 'float32', ['batch', 2]);
  const y = g.input('y', 'int64', ['batch']);
  const w1 = g.param('fc1.weight', [hidden, 2], init.linearDefault(rng, 2));
  const b1 = g.param('fc1.bias', [hidden], init.zeros());
  const w2 = g.param('fc2.weight', [2, hidden], init.linearDefault(rng, hidden));
  const b2 = g.param('fc2.bias', [2], init.zeros());
  const logits = op.linear(op.relu(op.linear(x, w1, b1)), w2, b2);
  const loss = op.crossEntropy(logits, y);
  return { g, x, y, logits, loss };
}

export function accuracy(logits: HostTensor, y: HostTensor): number {
  const l = logits.data as Float32Array;
  const t = y.data as BigInt64Array;
  const c = logits.dims[1];
  let ok = 0;
  for (let i = 0; i < t.length; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (l[i * c + j] > l[i * c + best]) best = j;
    if (BigInt(best) === t[i]) ok++;
  }
  return ok / t.length;
}
