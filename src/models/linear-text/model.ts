/**
 * verde's linear text classifier (§2.1): logits = b + sum_j (idf[id_j] / ||w||) * W[id_j, :] over
 * the hashed n-gram ids of a text (tokenizers/hashed-ngrams.ts), i.e. a linear model on the
 * TF-IDF vector, normalised by the L2 norm of the per-occurrence IDF weights (the TF-IDF vector's
 * own norm when no n-gram repeats). The same computation three ways: the engine graph it trains
 * with, the ONNX graph it ships as, and a plain TypeScript forward the tests check both against.
 */
import { DT, GraphBuilder } from '../../engine/onnx-graph.js';
import { Graph, op, type Tensor } from '../../engine/index.js';

export interface LinearTextModel {
  hashDim: number;
  labels: string[];
  idf: Float32Array;
  /** [hashDim, labels] row-major. */
  weight: Float32Array;
  bias: Float32Array;
}

const EPS = 1e-12;

/** The forward pass on engine tensors (ids, mask: int64 [batch, seq]) -> logits [batch, labels]. */
export function linearTextLogits(idf: Tensor, weight: Tensor, bias: Tensor, ids: Tensor, mask: Tensor): Tensor {
  const w = op.mul(op.gather(idf, ids), op.cast(mask, 'float32')); // [B, L]
  const norm = op.sqrt(op.add(op.reduceSum(op.mul(w, w), [1], true), EPS)); // [B, 1]
  const rows = op.gather(weight, ids); // [B, L, C]
  const summed = op.reduceSum(op.mul(op.unsqueeze(op.div(w, norm), [-1]), rows), [1]); // [B, C]
  return op.add(summed, bias);
}

/** A training graph: inputs input_ids, attention_mask, labels; IDF frozen, W and b trained. */
export function linearTextTrainingGraph(m: LinearTextModel, seed: number): { graph: Graph; loss: Tensor; logits: Tensor } {
  const c = m.labels.length;
  const graph = new Graph('linear-text', { seed });
  const ids = graph.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = graph.input('attention_mask', 'int64', ['batch', 'seq']);
  const labels = graph.input('labels', 'int64', ['batch']);
  const idf = graph.param('idf', [m.hashDim], m.idf, { trainable: false });
  const weight = graph.param('weight', [m.hashDim, c], m.weight);
  const bias = graph.param('bias', [c], m.bias, { weightDecay: false });
  const logits = linearTextLogits(idf, weight, bias, ids, mask);
  return { graph, loss: op.crossEntropy(logits, labels), logits };
}

/** The ONNX inference graph (the verde text contract: input_ids, attention_mask -> logits). */
export function linearTextToOnnx(m: LinearTextModel, name = 'linear-text'): Uint8Array {
  const c = m.labels.length;
  const g = new GraphBuilder(name);
  const ids = g.input('input_ids', DT.INT64, ['batch', 'seq']);
  const mask = g.input('attention_mask', DT.INT64, ['batch', 'seq']);
  const idf = g.init('idf', m.idf, [m.hashDim]);
  const weight = g.init('weight', m.weight, [m.hashDim, c]);
  const bias = g.init('bias', m.bias, [c]);
  const w = g.op('Mul', [g.op('Gather', [idf, ids], { axis: 0 }), g.op('Cast', [mask], { to: DT.FLOAT })]);
  const sq = g.op('ReduceSum', [g.op('Mul', [w, w]), g.constI64([1])], { keepdims: 1 });
  const norm = g.op('Sqrt', [g.op('Add', [sq, g.constF32([EPS], [])])]);
  const wn = g.op('Unsqueeze', [g.op('Div', [w, norm]), g.constI64([-1])]);
  const rows = g.op('Gather', [weight, ids], { axis: 0 });
  const summed = g.op('ReduceSum', [g.op('Mul', [wn, rows]), g.constI64([1])], { keepdims: 0 });
  g.op('Add', [summed, bias], {}, 'logits');
  g.output('logits', DT.FLOAT, ['batch', c]);
  return g.build(17, `verde linear text classifier: hashed n-grams (${m.hashDim}) with TF-IDF weighting`).bytes;
}

/** The same forward in plain TypeScript, one text's ids at a time: logits per text. */
export function linearTextForward(m: LinearTextModel, docs: number[][]): Float32Array[] {
  const c = m.labels.length;
  return docs.map((ids) => {
    let sq = 0;
    for (const id of ids) sq += m.idf[id] * m.idf[id];
    const norm = Math.sqrt(sq + EPS);
    const out = Float32Array.from(m.bias);
    for (const id of ids) {
      const w = m.idf[id] / norm;
      for (let k = 0; k < c; k++) out[k] += w * m.weight[id * c + k];
    }
    return out;
  });
}
