/**
 * The training flavour of the one DistilBERT definition (src/models/distilbert/model.ts): the
 * [CLS]-only last block has exact gradients, it computes what the full block computes at
 * position 0, and a training session is deterministic for a seed (dropout included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeConfig } from '../../src/models/distilbert/config.js';
import { initParams } from '../../src/models/distilbert/params.js';
import { engineDistilBert } from '../../src/models/distilbert/train-graph.js';
import { openDistilBertTraining } from '../../src/models/distilbert/train-session.js';
import { padBatch } from '../../src/models/distilbert/fit.js';
import { Graph } from '../../src/engine/graph.js';
import { emitModel } from '../../src/engine/onnx.js';
import { createSession, ort } from '../../src/engine/runtime/ort.js';
import { gradCheck } from '../engine/gradcheck.js';

const c = makeConfig(['a', 'b'], { layers: 2, dim: 8, heads: 2, hiddenDim: 16, vocabSize: 30, maxPositions: 16 });
const params = initParams(c, 3, 0.5);
const MASK = BigInt64Array.from([1n, 1n, 1n, 0n, 1n, 1n, 0n, 0n]);

async function lastBlockGradCheck(firstOnly: boolean): Promise<void> {
  await gradCheck(
    [
      { name: 'attention_mask', dims: [2, 4], dtype: 'int64', data: MASK },
      { name: 'x', dims: [2, 4, 8] },
    ],
    (mask, x) => {
      const { m } = engineDistilBert(x.graph, c, params, { train: false });
      return m.block(x, m.b.maskBias(mask), 1, firstOnly);
    },
  );
}

test('grad: a whole DistilBERT block (attention with padding mask, GELU, LayerNorm) w.r.t. its input', () => lastBlockGradCheck(false));

test('grad: the [CLS]-only last block w.r.t. its input', () => lastBlockGradCheck(true));

test('the [CLS]-only last block gives position 0 of the full block', async () => {
  const g = new Graph('cls-only');
  const x = g.input('x', 'float32', [2, 4, 8]);
  const mask = g.input('attention_mask', 'int64', [2, 4]);
  const { m } = engineDistilBert(g, c, params, { train: false });
  const bias = m.b.maskBias(mask);
  const full = m.b.first(m.block(x, bias, 1, false));
  const fast = m.b.first(m.block(x, bias, 1, true));
  const model = emitModel(g, { outputs: [{ name: 'full', tensor: full }, { name: 'fast', tensor: fast }], mode: 'infer', params: 'initializers' });
  const s = await createSession(model.bytes, { threads: 1 });
  try {
    const xs = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7));
    const out = await s.run({ x: new ort.Tensor('float32', xs, [2, 4, 8]), attention_mask: new ort.Tensor('int64', MASK, [2, 4]) });
    const a = out.full.data as Float32Array;
    const b = out.fast.data as Float32Array;
    assert.equal(a.length, 16);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `row 0 differs at ${i}: ${v} vs ${b[i]}`));
  } finally {
    await s.release();
  }
});

test('a training session is deterministic for a seed (dropout included) and its loss falls', async () => {
  const rows = [[2, 5, 9, 3], [2, 7, 3], [2, 11, 12, 13, 3], [2, 6, 3]];
  const { ids, mask } = padBatch(rows, 0);
  const labels = { dtype: 'int64' as const, dims: [4], data: BigInt64Array.from([0n, 1n, 0n, 1n]) };
  const run = async () => {
    const t = await openDistilBertTraining(c, initParams(c, 3), { lr: 2e-2, seed: 5, threads: 1 });
    const losses: number[] = [];
    try {
      for (let i = 0; i < 20; i++) losses.push((await t.session.trainStep({ input_ids: ids, attention_mask: mask, labels })).loss);
    } finally {
      await t.session.close();
    }
    return losses;
  };
  const a = await run();
  assert.deepEqual(a, await run());
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  assert.ok(mean(a.slice(-3)) < mean(a.slice(0, 3)), `loss ${a.join(', ')}`);
});
