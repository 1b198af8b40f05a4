/**
 * verde's DistilBERT inference graph, run by ONNX Runtime on the committed tiny HF checkpoint,
 * must give the logits of the independent PyTorch implementation (scripts/fixtures/make_tiny_distilbert.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { fixturePath } from '../fixtures/paths.js';
import { loadHfDistilBert } from '../../src/models/distilbert/checkpoint.js';
import { buildInferenceGraph } from '../../src/models/distilbert/inference-graph.js';

interface Reference { input_ids: number[][]; attention_mask: number[][]; logits: number[][]; labels: string[] }

test('tiny HF checkpoint: logits match the PyTorch reference within 1e-4', async () => {
  const ref = JSON.parse(await readFile(fixturePath('tiny-distilbert-reference.json'), 'utf8')) as Reference;
  const { config, params } = await loadHfDistilBert(fixturePath('tiny-distilbert'));
  assert.deepEqual(config.labels, ref.labels);
  const { bytes } = buildInferenceGraph(config, params);
  const session = await ort.InferenceSession.create(bytes);
  const [b, s] = [ref.input_ids.length, ref.input_ids[0].length];
  const t = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [b, s]);
  const out = await session.run({ input_ids: t(ref.input_ids), attention_mask: t(ref.attention_mask) });
  const got = out.logits.data as Float32Array;
  assert.deepEqual(out.logits.dims, [b, ref.labels.length]);
  let maxDiff = 0;
  ref.logits.flat().forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - got[i]))));
  assert.ok(maxDiff < 1e-4, `max |verde - torch| = ${maxDiff}`);
  // The fixture's sentences give clearly different logits, so this is not a trivially passing check.
  assert.ok(Math.abs(ref.logits[0][0] - ref.logits[1][0]) > 1e-2);
  await session.release();
});
