/**
 * The engine (training) version of DistilBERT computes the same function as the inference graph:
 * exported in inference mode it must reproduce the PyTorch reference logits of the tiny fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { fixturePath } from '../fixtures/paths.js';
import { loadHfDistilBert } from '../../src/models/distilbert/checkpoint.js';
import { distilbertForward } from '../../src/models/distilbert/train-graph.js';
import { Graph } from '../../src/engine/graph.js';
import { emitModel } from '../../src/engine/onnx.js';

test('engine forward (dropout off) matches the PyTorch reference logits', async () => {
  const ref = JSON.parse(await readFile(fixturePath('tiny-distilbert-reference.json'), 'utf8')) as { input_ids: number[][]; attention_mask: number[][]; logits: number[][] };
  const { config, params } = await loadHfDistilBert(fixturePath('tiny-distilbert'));
  const g = new Graph('distilbert-train');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const { logits } = distilbertForward(g, config, params, ids, mask, { train: true });
  const model = emitModel(g, { outputs: [{ name: 'logits', tensor: logits }], mode: 'infer', params: 'initializers' });
  const session = await ort.InferenceSession.create(model.bytes);
  const [b, s] = [ref.input_ids.length, ref.input_ids[0].length];
  const t = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [b, s]);
  const out = await session.run({ input_ids: t(ref.input_ids), attention_mask: t(ref.attention_mask) });
  const got = out.logits.data as Float32Array;
  let maxDiff = 0;
  ref.logits.flat().forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - got[i]))));
  assert.ok(maxDiff < 1e-4, `max |engine - torch| = ${maxDiff}`);
  await session.release();
});
