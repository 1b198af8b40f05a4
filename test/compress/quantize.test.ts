/**
 * Dynamic int8 as an ONNX graph transform: the quantised model runs in ONNX Runtime, its logits
 * stay close to fp32, and its file is at most 30 % of the fp32 file. CPU detection is checked on
 * cpuinfo texts (the edge of the machine), including this machine's own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { makeConfig } from '../../src/models/distilbert/config.js';
import { initParams } from '../../src/models/distilbert/params.js';
import { buildInferenceGraph } from '../../src/models/distilbert/inference-graph.js';
import { quantizeDynamic } from '../../src/compress/quantize-dynamic.js';
import { decodeModel, encodeModel } from '../../src/engine/onnx-graph.js';
import { compareOutputs } from '../../src/compress/output-error.js';
import { int8Advice } from '../../src/compress/cpu-features.js';

function sampleFeeds(vocab: number, batches = 3, b = 4, s = 24) {
  return Array.from({ length: batches }, (_, k) => {
    const ids = BigInt64Array.from({ length: b * s }, (_, i) => BigInt(1 + ((i * 7919 + k * 104729) % (vocab - 1))));
    const mask = BigInt64Array.from({ length: b * s }, (_, i) => (i % s < s - (i / s | 0) * 3 ? 1n : 0n));
    return { input_ids: new ort.Tensor('int64', ids, [b, s]), attention_mask: new ort.Tensor('int64', mask, [b, s]) };
  });
}

const config = makeConfig(['a', 'b', 'c'], { layers: 2, dim: 64, heads: 4, hiddenDim: 256, vocabSize: 3000, maxPositions: 64 });
const params = initParams(config, 3, 0.05);
const fp32 = buildInferenceGraph(config, params).bytes;

for (const reduceRange of [false, true]) {
  test(`int8 (${reduceRange ? '7' : '8'}-bit weights): every MatMul and the embedding quantised, small error, file <= 30 %`, async () => {
    const { model, report } = quantizeDynamic(decodeModel(fp32), { reduceRange });
    const int8 = encodeModel(model);
    assert.equal(report.matmuls, 2 * 6 + 2);
    assert.equal(report.biasesFolded, report.matmuls);
    assert.equal(report.embeddings, 1);
    assert.equal(report.weightBits, reduceRange ? 7 : 8);
    const ops = new Set(model.graph!.node!.map((n) => n.opType));
    assert.ok(ops.has('DynamicQuantizeMatMul'));
    assert.ok(!model.graph!.node!.some((n) => n.opType === 'MatMul' && model.graph!.initializer!.some((t) => t.name === n.input![1])), 'no fp32 weight MatMul left');
    assert.ok(int8.length <= 0.3 * fp32.length, `int8 ${int8.length} vs fp32 ${fp32.length}`);
    const err = await compareOutputs(fp32, int8, sampleFeeds(config.vocabSize));
    assert.ok(err.relL2 > 0, 'quantisation changes the outputs a little');
    assert.ok(err.relL2 < 0.08, `relative error ${err.relL2}`);
    assert.ok(err.argmaxAgreement >= 0.9, `argmax agreement ${err.argmaxAgreement}`);
  });
}

test('per-tensor scales also work and the graph keeps its inputs and outputs', async () => {
  const { model } = quantizeDynamic(decodeModel(fp32), { perChannel: false });
  assert.deepEqual(model.graph!.input!.map((i) => i.name), ['input_ids', 'attention_mask']);
  assert.deepEqual(model.graph!.output!.map((o) => o.name), ['logits']);
  const err = await compareOutputs(fp32, encodeModel(model), sampleFeeds(config.vocabSize, 1));
  assert.ok(err.relL2 < 0.1, `relative error ${err.relL2}`);
});

test('7-bit weights on x86 without VNNI, 8-bit with AVX512-VNNI or AVX-VNNI or off x86', () => {
  const amd = 'processor : 0\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n';
  const xeon = 'processor : 0\nflags\t\t: fpu avx2 avx512f avx512_vnni\n';
  const alder = 'flags : avx2 avx_vnni\n';
  assert.equal(int8Advice(amd, 'x64').reduceRange, true);
  assert.equal(int8Advice(xeon, 'x64').reduceRange, false);
  assert.equal(int8Advice(alder, 'x64').reduceRange, false);
  assert.equal(int8Advice('', 'x64').reduceRange, true);
  assert.equal(int8Advice('Features : fp asimd', 'arm64').reduceRange, false);
  assert.match(int8Advice().reason, /bit weights/);
});
