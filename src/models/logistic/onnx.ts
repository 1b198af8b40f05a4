/**
 * Export a SmallNet to a plain ONNX graph: features [batch, n] float32 -> standardise -> missing
 * (NaN/Inf) to 0 -> Gemm/ReLU layers -> Sigmoid -> probabilities [batch, 2] (not-fraud, fraud),
 * the tabular contract of docs/model-directory.md. Scores equal SmallNet.predict to float rounding.
 */
import { DT, GraphBuilder } from '../../engine/onnx-graph.js';
import type { SmallNet } from './net.js';

export function smallNetToOnnx(net: SmallNet, name = 'small-net'): Uint8Array {
  const g = new GraphBuilder(name);
  const n = net.inputs;
  const x = g.input('features', DT.FLOAT, ['batch', n]);
  const centred = g.op('Sub', [x, g.init('mean', net.normaliser.mean, [n])]);
  const scaled = g.op('Div', [centred, g.init('std', net.normaliser.std, [n])]);
  const missing = g.op('Or', [g.op('IsNaN', [scaled]), g.op('IsInf', [scaled])]);
  let h = g.op('Where', [missing, g.constF32([0], []), scaled]);
  net.layers.forEach((layer, i) => {
    const w = g.init(`w${i}`, layer.w, [layer.out, layer.in]);
    const b = g.init(`b${i}`, layer.b, [layer.out]);
    h = g.op('Gemm', [h, w, b], { transB: 1 });
    if (i < net.layers.length - 1) h = g.op('Relu', [h]);
  });
  const p = g.op('Sigmoid', [h]);
  const q = g.op('Sub', [g.constF32([1], []), p]);
  g.op('Concat', [q, p], { axis: 1 }, 'probabilities');
  g.output('probabilities', DT.FLOAT, ['batch', 2]);
  return g.build(17, `verde SmallNet hidden=[${net.hidden.join(',')}]`).bytes;
}
