import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type UpdatePlan, applyGradients, gradScale, optimizerScalars } from '../../src/engine/optim.js';

/** PyTorch's AdamW by the book (unscaled gradient g, plain second moment v). */
function torchAdamW(p: number, g: number, steps: number, lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number {
  let m = 0;
  let v = 0;
  for (let t = 1; t <= steps; t++) {
    p *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p -= (lr / (1 - b1 ** t)) * (m / (Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps));
  }
  return p;
}

function arrays(names: string[], n: number, init: Record<string, number[]> = {}): Map<string, Float32Array> {
  return new Map(names.map((k) => [k, init[k] ? Float32Array.from(init[k]) : new Float32Array(n)]));
}

test('AdamW updates parameters and moments in place, equal to PyTorch by the book', () => {
  const cfg = { type: 'adamw' as const, lr: 0.1, weightDecay: 0.1 };
  const plan: UpdatePlan = { optimizer: cfg, normScale: gradScale(cfg), accumulation: 1, params: [{ name: 'w', grad: 'w::grad', decay: true }, { name: 'b', grad: 'b::grad', decay: false }] };
  const state = arrays(['w', 'w::m', 'w::vs', 'b', 'b::m', 'b::vs'], 2, { w: [0.5, -1], b: [2, 0] });
  const w = state.get('w')!;
  const gw = [1, -2];
  const gb = [0.5, 3];
  for (let t = 1; t <= 3; t++) {
    const scaled = (g: number[]) => Float32Array.from(g, (x) => x * gradScale(cfg));
    applyGradients(plan, [scaled(gw), scaled(gb)], (n) => state.get(n)!, true, optimizerScalars(cfg, t, cfg.lr));
  }
  assert.equal(state.get('w'), w, 'the same array, updated in place');
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(w[i] - torchAdamW([0.5, -1][i], gw[i], 3, 0.1, 0.1)) < 1e-6, `w[${i}] ${w[i]}`);
    assert.ok(Math.abs(state.get('b')![i] - torchAdamW([2, 0][i], gb[i], 3, 0.1, 0)) < 1e-6, `b[${i}] ${state.get('b')![i]}`);
  }
});

test('accumulation sums micro-batches, clips by the true global norm and zeroes the accumulators', () => {
  const cfg = { type: 'sgd' as const, lr: 1 };
  const plan: UpdatePlan = { optimizer: cfg, clipGradNorm: 1, normScale: gradScale(cfg, 2) * 2, accumulation: 2, params: [{ name: 'w', grad: 'w::grad', decay: false }] };
  const state = arrays(['w', 'w::acc'], 2);
  const half = (g: number[]) => Float32Array.from(g, (x) => x * gradScale(cfg, 2));
  assert.equal(applyGradients(plan, [half([3, 0])], (n) => state.get(n)!, false), undefined);
  assert.deepEqual([...state.get('w')!], [0, 0], 'no update before the last micro-batch');
  const norm = applyGradients(plan, [half([3, 8])], (n) => state.get(n)!, true, optimizerScalars(cfg, 1, 1));
  // mean gradient [3, 4]: norm 5, clipped to norm 1: [0.6, 0.8]
  assert.ok(Math.abs(norm! - 5) < 1e-6, `norm ${norm}`);
  const w = state.get('w')!;
  assert.ok(Math.abs(w[0] + 0.6) < 1e-6 && Math.abs(w[1] + 0.8) < 1e-6, `w ${[...w]}`);
  assert.deepEqual([...state.get('w::acc')!], [0, 0]);
});

test('SGD with Nesterov momentum and L2 weight decay follows PyTorch', () => {
  const cfg = { type: 'sgd' as const, lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.5 };
  const plan: UpdatePlan = { optimizer: cfg, normScale: 1, accumulation: 1, params: [{ name: 'w', grad: 'w::grad', decay: true }] };
  const state = arrays(['w', 'w::momentum'], 1, { w: [1] });
  let p = 1;
  let buf = 0;
  for (let t = 1; t <= 3; t++) {
    applyGradients(plan, [Float32Array.of(2)], (n) => state.get(n)!, true, optimizerScalars(cfg, t, cfg.lr));
    const d = 2 + 0.5 * p;
    buf = t === 1 ? d : 0.9 * buf + d; // PyTorch starts the buffer at the first gradient; ours at 0.9*0 + d: the same
    p -= 0.1 * (d + 0.9 * buf);
  }
  assert.ok(Math.abs(state.get('w')![0] - p) < 1e-6, `w ${state.get('w')![0]} vs ${p}`);
});
