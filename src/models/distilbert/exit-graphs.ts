/**
 * Early-exit stage graphs (guide §3.4.1.1; the `earlyExit` field of docs/model-directory.md).
 * A model trained with exit heads after layers e0 < e1 < ... is cut into stages:
 *   exits/exit-0.onnx: input_ids, attention_mask -> logits (head after e0), hidden_out [B,S,D]
 *   exits/exit-k.onnx: hidden_in, attention_mask -> logits (head after ek), hidden_out
 *   exits/exit-N.onnx: hidden_in, attention_mask   -> logits (the final head after the last layer)
 * A server runs stage 0, stops when max softmax(logits) >= threshold, else feeds `hidden_out` as
 * `hidden_in` (with the same attention_mask) to the next stage. Every stage runs each layer once: no work is repeated.
 */
import { DT } from '../../engine/onnx-graph.js';
import type { DistilBertConfig } from './config.js';
import { onnxDistilBert } from './inference-graph.js';
import type { Params } from './params.js';

export interface ExitStage {
  file: string;
  bytes: Uint8Array;
  /** Layers this stage runs, [from, to). */
  layers: [number, number];
}

export function buildExitStages(c: DistilBertConfig, params: Params, exits: number[]): ExitStage[] {
  const cuts = [...new Set(exits)].filter((l) => l >= 0 && l < c.nLayers - 1).sort((a, b) => a - b);
  const stages: ExitStage[] = [];
  let from = 0;
  for (let k = 0; k <= cuts.length; k++) {
    const last = k === cuts.length;
    const to = last ? c.nLayers : cuts[k] + 1;
    const { g, m } = onnxDistilBert(c, params, `distilbert-exit-${k}`);
    let x: string;
    if (k === 0) {
      const ids = g.input('input_ids', DT.INT64, ['batch', 'sequence']);
      g.input('attention_mask', DT.INT64, ['batch', 'sequence']);
      x = m.embeddings(ids);
    } else {
      x = g.input('hidden_in', DT.FLOAT, ['batch', 'sequence', c.dim]);
      g.input('attention_mask', DT.INT64, ['batch', 'sequence']);
    }
    // The model's last block computes position 0 only (all the final head reads); earlier
    // stages hand every position on to the next stage.
    x = m.blocks(x, m.b.maskBias('attention_mask'), from, to);
    g.op('Identity', [m.classify(x, last ? '' : `exits.${cuts[k]}.`)], {}, 'logits');
    g.output('logits', DT.FLOAT, ['batch', c.labels.length]);
    if (!last) {
      g.op('Identity', [x], {}, 'hidden_out');
      g.output('hidden_out', DT.FLOAT, ['batch', 'sequence', c.dim]);
    }
    stages.push({ file: `exits/exit-${k}.onnx`, bytes: g.build(17, `early-exit stage ${k}: layers ${from}..${to - 1}`).bytes, layers: [from, to] });
    from = to;
  }
  return stages;
}
