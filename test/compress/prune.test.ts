/**
 * Pruning: L1 zeroes exactly 30 % of every Linear weight and the bitmask storage shrinks the file
 * without changing a single output; structured pruning physically shrinks the attention and FFN
 * matrices (head counts then differ per layer) and the smaller model still runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { makeConfig, parseHfConfig, toHfConfig } from '../../src/models/distilbert/config.js';
import { initParams, linearWeightNames, paramShapes } from '../../src/models/distilbert/params.js';
import { buildInferenceGraph } from '../../src/models/distilbert/inference-graph.js';
import { pruneL1, pruneL1Tensor } from '../../src/compress/prune-l1.js';
import { sparsifyInitializers } from '../../src/compress/sparse-storage.js';
import { pruneStructured } from '../../src/compress/prune-structured.js';
import { decodeModel, encodeModel } from '../../src/engine/onnx-graph.js';
import { compareOutputs } from '../../src/compress/output-error.js';

const config = makeConfig(['neg', 'pos'], { layers: 3, dim: 64, heads: 4, hiddenDim: 200, vocabSize: 500, maxPositions: 32 });
const feeds = () => {
  const ids = BigInt64Array.from({ length: 3 * 16 }, (_, i) => BigInt(1 + ((i * 31) % 499)));
  const mask = BigInt64Array.from({ length: 3 * 16 }, (_, i) => (i % 16 < 16 - (i >> 4) * 4 ? 1n : 0n));
  return [{ input_ids: new ort.Tensor('int64', ids, [3, 16]), attention_mask: new ort.Tensor('int64', mask, [3, 16]) }];
};

test('L1: exactly round(30 %) of every Linear weight is zero, the smallest magnitudes go', () => {
  const params = initParams(config, 5);
  const report = pruneL1(params, linearWeightNames(config), 0.3);
  assert.equal(report.tensors.length, 3 * 6 + 2);
  for (const t of report.tensors) {
    const zeros = params.get(t.name)!.data.filter((v) => v === 0).length;
    assert.equal(zeros, Math.round(0.3 * t.elements), t.name);
  }
  // ties are broken so the count stays exact
  const w = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, -1]);
  assert.equal(pruneL1Tensor(w, 0.3), 3);
  assert.equal(w.filter((v) => v === 0).length, 3);
  const v = Float32Array.from([5, -0.1, 3, 0.2, -4, 1, 2, -6, 7, 0.3]);
  pruneL1Tensor(v, 0.3);
  assert.deepEqual(Array.from(v), [5, 0, 3, 0, -4, 1, 2, -6, 7, 0]);
  // LayerNorm and embeddings are not Linear weights: untouched
  assert.equal(params.get('distilbert.embeddings.word_embeddings.weight')!.data.filter((x) => x === 0).length, 64); // the [PAD] row
});

test('L1 storage: bitmask + values makes the file smaller and the outputs identical', async () => {
  const params = initParams(config, 5);
  pruneL1(params, linearWeightNames(config), 0.3);
  const dense = buildInferenceGraph(config, params).bytes;
  const model = decodeModel(dense);
  const storage = sparsifyInitializers(model, { minSparsity: 0.27 });
  const packed = encodeModel(model);
  assert.equal(storage.tensors, 3 * 6 + 1); // the [2, 64] classifier is below minElements
  assert.ok(storage.storedBytes < 0.75 * storage.denseBytes, JSON.stringify(storage));
  // the file shrinks by most of the stored saving (the decode nodes cost a little per tensor)
  assert.ok(packed.length < dense.length - 0.8 * (storage.denseBytes - storage.storedBytes), `${packed.length} vs ${dense.length}`);
  const err = await compareOutputs(dense, packed, feeds());
  assert.equal(err.maxAbs, 0);
});

test('structured: 30 % of heads and neurons removed, matrices shrink, per-layer head counts differ, model runs', async () => {
  const params = initParams(config, 9, 0.1);
  // Make heads 1 and 2 of layer 1 nearly empty: they must be the first to go.
  for (const m of ['q_lin', 'k_lin', 'v_lin']) params.get(`distilbert.transformer.layer.1.attention.${m}.weight`)!.data.forEach((_, i, a) => { if (i >= 16 * 64 && i < 48 * 64) a[i] *= 0.01; });
  const { config: pc, params: pp, report } = pruneStructured(config, params, { headFraction: 0.3, neuronFraction: 0.3 });
  const headsLeft = report.headsAfter.reduce((a, b) => a + b, 0);
  assert.equal(headsLeft, 12 - Math.round(0.3 * 12));
  assert.deepEqual(pc.prunedHeads[1]?.slice(0, 2), [1, 2], JSON.stringify(pc.prunedHeads));
  assert.ok(new Set(report.headsAfter).size > 1, `head counts differ per layer: ${report.headsAfter}`);
  assert.deepEqual(report.hiddenAfter, [140, 140, 140]);
  assert.ok(report.paramsAfter < report.paramsBefore);
  for (const [name, dims] of paramShapes(pc)) assert.deepEqual(pp.get(name)!.dims, dims, name);
  assert.deepEqual(pp.get('distilbert.transformer.layer.1.attention.q_lin.weight')!.dims, [report.headsAfter[1] * 16, 64]);
  assert.deepEqual(pp.get('distilbert.transformer.layer.1.ffn.lin2.weight')!.dims, [64, 140]);
  // HF's pruned_heads and verde_hidden_dims round-trip through config.json
  const again = parseHfConfig(JSON.parse(JSON.stringify(toHfConfig(pc))));
  assert.deepEqual(again.layerHeads, pc.layerHeads);
  assert.deepEqual(again.layerHiddenDims, pc.layerHiddenDims);
  const full = buildInferenceGraph(config, params).bytes;
  const small = buildInferenceGraph(pc, pp).bytes;
  assert.ok(small.length < full.length);
  const s = await ort.InferenceSession.create(small);
  const out = await s.run(feeds()[0]);
  assert.deepEqual(out.logits.dims, [3, 2]);
  assert.ok(Array.from(out.logits.data as Float32Array).every(Number.isFinite));
  await s.release();
});
