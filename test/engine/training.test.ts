import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, TrainingSession, createSession, ort, op, readSafetensors } from '../../src/engine/index.js';
import { accuracy, mlp, toyData } from './helpers.js';

test('an MLP learns a toy task with AdamW (loss falls, accuracy rises)', async () => {
  const { g, logits, loss } = mlp(3);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.02, weightDecay: 0.01 }, outputs: { logits } }, { threads: 1 });
  try {
    const { x, y } = toyData(256, 5);
    const before = await s.evaluate({ x }, { logits });
    const first = await s.trainStep({ x, y });
    let last = first;
    for (let i = 0; i < 150; i++) last = await s.trainStep({ x, y });
    const after = await s.evaluate({ x }, { logits });
    assert.ok(last.loss < first.loss * 0.5, `loss ${first.loss} -> ${last.loss}`);
    const a0 = accuracy(before.logits, y);
    const a1 = accuracy(after.logits, y);
    assert.ok(a1 > 0.9 && a1 > a0, `accuracy ${a0} -> ${a1}`);
    assert.equal(s.step, 151);
  } finally {
    await s.close();
  }
});

test('SGD with momentum, gradient clipping and accumulation also train', async () => {
  const { g, loss } = mlp(4);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 }, clipGradNorm: 1, gradAccumulation: 2 }, { threads: 1 });
  try {
    const { x, y } = toyData(128, 6);
    const r1 = await s.trainStep({ x, y });
    assert.equal(r1.applied, false);
    const r2 = await s.trainStep({ x, y });
    assert.equal(r2.applied, true);
    assert.ok(r2.gradNorm! > 0);
    let last = r2;
    for (let i = 0; i < 120; i++) last = await s.trainStep({ x, y });
    assert.ok(last.loss < r1.loss * 0.7, `loss ${r1.loss} -> ${last.loss}`);
    assert.equal(s.step, 61);
  } finally {
    await s.close();
  }
});

test('one AdamW step matches the update computed by hand (bias correction, decoupled decay)', async () => {
  const g = new Graph('one');
  const w = g.param('w', [3], Float32Array.of(0.5, -1, 2));
  const x = g.input('x', 'float32', [3]);
  const loss = op.reduceSum(op.mul(w, x)); // dL/dw = x
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.1, weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 } }, { threads: 1 });
  try {
    const xs = Float32Array.of(1, -2, 0.5);
    const feed = { x: { dtype: 'float32' as const, dims: [3], data: xs } };
    await s.trainStep(feed);
    await s.trainStep(feed);
    const got = (await s.getParams()).get('w')!;
    // by hand, two steps with the same gradient
    const p = [0.5, -1, 2];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    for (let t = 1; t <= 2; t++) {
      for (let i = 0; i < 3; i++) {
        const gr = xs[i];
        p[i] *= 1 - 0.1 * 0.1;
        m[i] = 0.9 * m[i] + 0.1 * gr;
        v[i] = 0.999 * v[i] + 0.001 * gr * gr;
        const mh = m[i] / (1 - 0.9 ** t);
        const vh = v[i] / (1 - 0.999 ** t);
        p[i] -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(got[i] - p[i]) < 1e-6, `w[${i}] = ${got[i]}, expected ${p[i]}`);
  } finally {
    await s.close();
  }
});

test('AdamW with accumulation and clipping: same update as one plain step; the reported norm is the true one', async () => {
  const make = async (extra: object) => {
    const g = new Graph('acc');
    const w = g.param('w', [3], Float32Array.of(0.5, -1, 2));
    const x = g.input('x', 'float32', [3]);
    const loss = op.reduceSum(op.mul(w, x));
    return TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.1 }, ...extra }, { threads: 1 });
  };
  const feed = { x: { dtype: 'float32' as const, dims: [3], data: Float32Array.of(1, -2, 0.5) } };
  const plain = await make({});
  const acc = await make({ gradAccumulation: 2, clipGradNorm: 100 });
  try {
    await plain.trainStep(feed);
    await acc.trainStep(feed);
    const r = await acc.trainStep(feed);
    assert.ok(Math.abs(r.gradNorm! - Math.sqrt(1 + 4 + 0.25)) < 1e-5, `grad norm ${r.gradNorm}`);
    const a = (await plain.getParams()).get('w')!;
    const b = (await acc.getParams()).get('w')!;
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `w[${i}]: ${a[i]} vs ${b[i]}`);
  } finally {
    await plain.close();
    await acc.close();
  }
});

test('frozen parameters keep their values; several weighted loss heads train together', async () => {
  const { g, x, y, logits } = mlp(5);
  const head2 = op.linear(x, g.param('aux.weight', [2, 2], new Float32Array(4).fill(0.1)), g.param('aux.bias', [2], new Float32Array(2)));
  const loss = op.weightedSum([
    [op.crossEntropy(logits, y), 1],
    [op.crossEntropy(head2, y), 0.3],
  ]);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.01 }, freeze: (n) => n.startsWith('fc1.') }, { threads: 1 });
  try {
    assert.deepEqual(s.compiled.frozen, ['fc1.weight', 'fc1.bias']);
    const before = await s.getParams();
    const { x: xd, y: yd } = toyData(64, 2);
    for (let i = 0; i < 5; i++) await s.trainStep({ x: xd, y: yd });
    const after = await s.getParams();
    assert.deepEqual(after.get('fc1.weight'), before.get('fc1.weight'));
    assert.notDeepEqual(after.get('fc2.weight'), before.get('fc2.weight'));
    assert.notDeepEqual(after.get('aux.weight'), before.get('aux.weight'));
  } finally {
    await s.close();
  }
});

test('checkpoint round-trips bit-exactly and resumes identically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-ckpt-'));
  const { x, y } = toyData(64, 9);
  const make = async () => {
    const { g, loss } = mlp(7);
    return TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.01 } }, { threads: 1 });
  };
  const a = await make();
  const b = await make();
  try {
    for (let i = 0; i < 3; i++) await a.trainStep({ x, y });
    const path = join(dir, 'ckpt.safetensors');
    await a.saveCheckpoint(path);
    const file = await readSafetensors(path);
    const params = await a.getParams();
    for (const [name, v] of params) assert.deepEqual(file.tensors.get(name)!.data, v, `${name} differs in the file`);
    assert.ok(file.tensors.has('fc1.weight::m') && file.tensors.has('fc1.weight::vs'));
    assert.equal(file.metadata.step, '3');
    await b.loadCheckpoint(path);
    assert.equal(b.step, 3);
    const ra = await a.trainStep({ x, y });
    const rb = await b.trainStep({ x, y });
    assert.equal(rb.loss, ra.loss);
    const pa = await a.getParams();
    const pb = await b.getParams();
    for (const [name, v] of pa) assert.deepEqual(pb.get(name), v, `${name} diverged after resume`);
  } finally {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an exported model reproduces the training graph logits in a fresh session', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-export-'));
  const { g, logits, loss } = mlp(8);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.01 } }, { threads: 1 });
  try {
    const { x, y } = toyData(32, 1);
    for (let i = 0; i < 5; i++) await s.trainStep({ x, y });
    const path = join(dir, 'model.onnx');
    const m = await s.exportOnnx(path, { logits });
    assert.deepEqual(m.inputs, ['x']);
    const ref = await s.evaluate({ x }, { logits });
    const fresh = await createSession(path, { threads: 1 });
    const out = await fresh.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) });
    assert.deepEqual(out.logits.data, ref.logits.data);
    await fresh.release();
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the worker runtime keeps the event loop free during a step', async () => {
  const { g, loss } = mlp(2, 512);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.01 } }, { threads: 1 });
  try {
    const { x, y } = toyData(8192, 3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await s.trainStep({ x, y });
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    // a blocked loop would fire at most once per step; a free one fires many times
    assert.ok(ticks > 10, `timer fired ${ticks} times in ${elapsed.toFixed(0)} ms of training`);
  } finally {
    await s.close();
  }
});

test('bad feeds fail with a one-line error naming the input', async () => {
  const { g, loss } = mlp(1);
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 0.01 } }, { threads: 1 });
  try {
    await assert.rejects(s.trainStep({ x: { dtype: 'float32', dims: [4, 3], data: new Float32Array(12) }, y: { dtype: 'int64', dims: [4], data: new BigInt64Array(4) } }), /input "x" has dims \[4,3\], the graph declares \[batch,2\]/);
    await assert.rejects(s.trainStep({ x: { dtype: 'float32', dims: [4, 2], data: new Float32Array(8) } }), /input "y" was not fed/);
  } finally {
    await s.close();
  }
});

test('build-time shape errors name the op and the shapes', () => {
  const g = new Graph('bad');
  const a = g.input('a', 'float32', ['batch', 3]);
  const b = g.input('b', 'float32', [4, 5]);
  assert.throws(() => op.matmul(a, b), /MatMul: inner dims differ: 3 vs 4 \(a\[batch,3\]:float32, b\[4,5\]:float32\)/);
  assert.throws(() => op.add(a, b), /Add: shapes do not broadcast/);
});

test('initial values are copied to the worker by default, moved with transferInitialValues', async () => {
  for (const transfer of [false, true]) {
    const { g, loss } = mlp(6);
    const before = new Map(g.params.map((p) => [p.name, Float32Array.from(p.init)]));
    const s = await TrainingSession.create(g, { loss, optimizer: { type: 'sgd', lr: 0.1 } }, { threads: 1, transferInitialValues: transfer });
    try {
      for (const p of g.params) {
        assert.equal(p.initReleased, transfer, `${p.name} released: ${p.initReleased}`);
        if (!transfer) assert.deepEqual(p.init, before.get(p.name));
      }
      const got = await s.getParams();
      for (const [name, v] of before) assert.deepEqual(got.get(name), v, `${name} in the worker`);
    } finally {
      await s.close();
    }
  }
});
