/**
 * The compressed variants of a trained DistilBERT, each as ONNX bytes plus what was done:
 * base (fp32), pruned-l1 (30 % of every Linear weight zeroed, stored as mask + values),
 * pruned-structured (30 % of heads and FFN neurons removed), int8 (dynamic quantisation of base),
 * pruned-structured-int8. Quantised models are checked against their fp32 twin on sample inputs.
 */
import { ort } from '../../engine/runtime/ort.js';
import { decodeModel, encodeModel } from '../../engine/onnx-graph.js';
import { pruneL1 } from '../../compress/prune-l1.js';
import { sparsifyInitializers } from '../../compress/sparse-storage.js';
import { quantizeDynamic } from '../../compress/quantize-dynamic.js';
import { compareOutputs, type OutputError } from '../../compress/output-error.js';
import { buildInferenceGraph } from '../../models/distilbert/inference-graph.js';
import { linearWeightNames, type Params } from '../../models/distilbert/params.js';
import type { DistilBertConfig } from '../../models/distilbert/config.js';

export function cloneParams(p: Params): Params {
  return new Map([...p].map(([n, t]) => [n, { data: Float32Array.from(t.data), dims: [...t.dims] }]));
}

export function l1Variant(config: DistilBertConfig, params: Params, amount: number) {
  const pruned = cloneParams(params);
  const report = pruneL1(pruned, linearWeightNames(config), amount);
  const model = decodeModel(buildInferenceGraph(config, pruned, 'distilbert-pruned-l1').bytes);
  const storage = sparsifyInitializers(model, { minSparsity: amount * 0.9 });
  return { onnx: encodeModel(model), params: pruned, report, storage };
}

export function int8Variant(fp32: Uint8Array, reduceRange: boolean) {
  const { model, report } = quantizeDynamic(decodeModel(fp32), { reduceRange, perChannel: true });
  return { onnx: encodeModel(model), report };
}

/** Feeds for the quantisation check: up to `n` test samples, batched by 8. */
export function checkFeeds(samples: number[][], padId: number, n = 32): Record<string, ort.Tensor>[] {
  const out: Record<string, ort.Tensor>[] = [];
  const picked = samples.slice(0, n);
  for (let i = 0; i < picked.length; i += 8) {
    const rows = picked.slice(i, i + 8);
    const len = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * len).fill(BigInt(padId));
    const mask = new BigInt64Array(rows.length * len);
    rows.forEach((r, k) => r.forEach((v, j) => { ids[k * len + j] = BigInt(v); mask[k * len + j] = 1n; }));
    out.push({ input_ids: new ort.Tensor('int64', ids, [rows.length, len]), attention_mask: new ort.Tensor('int64', mask, [rows.length, len]) });
  }
  return out;
}

export async function outputError(fp32: Uint8Array, candidate: Uint8Array, samples: number[][], padId: number): Promise<OutputError> {
  return compareOutputs(fp32, candidate, checkFeeds(samples, padId));
}
