/**
 * Early-exit stages: chained without exiting they give exactly the full model's logits; stage 0's
 * logits are the exit head the engine trains (same function as the training graph's exit output).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { makeConfig } from '../../src/models/distilbert/config.js';
import { initParams } from '../../src/models/distilbert/params.js';
import { buildInferenceGraph } from '../../src/models/distilbert/inference-graph.js';
import { buildExitStages, } from '../../src/models/distilbert/exit-graphs.js';
import { distilbertForward, exitHeadNames } from '../../src/models/distilbert/train-graph.js';
import { evaluateEarlyExit } from '../../src/evaluate/early-exit.js';
import { Graph } from '../../src/engine/graph.js';
import { emitModel } from '../../src/engine/onnx.js';

const c = makeConfig(['a', 'b'], { layers: 3, dim: 32, heads: 4, hiddenDim: 64, vocabSize: 200, maxPositions: 32 });
const params = initParams(c, 4, 0.2);
for (const l of [0, 1]) {
  const shapes = [[32, 32], [32], [2, 32], [2]];
  exitHeadNames(l).forEach((n, i) => params.set(n, { data: Float32Array.from({ length: shapes[i].reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(k * (l + 2))), dims: shapes[i] }));
}
const ids = [[101, 5, 9, 13, 102, 0], [101, 7, 8, 30, 50, 102]];
const feeds = () => ({
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat().map(BigInt)), [2, 6]),
  attention_mask: new ort.Tensor('int64', BigInt64Array.from(ids.flat().map((v) => (v ? 1n : 0n))), [2, 6]),
});

test('stages chained end to end equal the full graph; stage 0 equals the engine exit head', async () => {
  const stages = buildExitStages(c, params, [0, 1]);
  assert.deepEqual(stages.map((s) => s.layers), [[0, 1], [1, 2], [2, 3]]);
  const full = await ort.InferenceSession.create(buildInferenceGraph(c, params).bytes);
  const want = (await full.run(feeds())).logits.data as Float32Array;
  const sessions = await Promise.all(stages.map((s) => ort.InferenceSession.create(s.bytes)));
  const f = feeds();
  const s0 = await sessions[0].run(f);
  const s1 = await sessions[1].run({ hidden_in: s0.hidden_out, attention_mask: f.attention_mask });
  const s2 = await sessions[2].run({ hidden_in: s1.hidden_out, attention_mask: f.attention_mask });
  const got = s2.logits.data as Float32Array;
  want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-5, `${v} vs ${got[i]}`));

  const g = new Graph('t');
  const gi = g.input('input_ids', 'int64', ['batch', 'seq']);
  const gm = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const fwd = distilbertForward(g, c, params, gi, gm, { train: false, exits: [0, 1] });
  const m = emitModel(g, { outputs: [{ name: 'exit0', tensor: fwd.exitLogits[0] }], mode: 'infer', params: 'initializers' });
  const e = await ort.InferenceSession.create(m.bytes);
  const engineExit = (await e.run(feeds())).exit0.data as Float32Array;
  const stage0 = s0.logits.data as Float32Array;
  engineExit.forEach((v, i) => assert.ok(Math.abs(v - stage0[i]) < 1e-5));

  // threshold above 1: nobody exits early; threshold 0: everyone leaves at stage 0
  const samples = [[101, 5, 9, 13, 102], [101, 7, 8, 30, 50, 102]];
  const [never, always] = await evaluateEarlyExit(stages, samples, [0, 1], 2, [1.01, 0]);
  assert.deepEqual(never.exitCounts, [0, 0, 2]);
  assert.equal(never.meanLayerFraction, 1);
  assert.deepEqual(always.exitCounts, [2, 0, 0]);
  assert.ok(Math.abs(always.meanLayerFraction - 1 / 3) < 1e-9);
});
