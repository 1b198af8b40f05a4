/**
 * Layer helpers: create named parameters (PyTorch names and layouts, so saved weights load by
 * name) and return a function applying the layer. The MLP builds on linearLayer; DistilBERT has its
 * own definition in src/models/distilbert/model.ts.
 */
import type { Graph, Param, Tensor } from '../graph.js';
import { type Rng, init } from '../init.js';
import { linear } from '../ops/linalg.js';

export interface Linear {
  weight: Param; // [out, in]
  bias?: Param; // [out]
  (x: Tensor): Tensor;
}

/** nn.Linear: `${prefix}.weight` [out, in] and `${prefix}.bias` [out]; PyTorch's default init unless `std` is given. */
export function linearLayer(g: Graph, prefix: string, inF: number, outF: number, rng: Rng, opts: { bias?: boolean; std?: number; trainable?: boolean } = {}): Linear {
  const weight = g.param(`${prefix}.weight`, [outF, inF], opts.std !== undefined ? init.normal(rng, opts.std) : init.linearDefault(rng, inF), { trainable: opts.trainable });
  const bias = opts.bias === false ? undefined : g.param(`${prefix}.bias`, [outF], opts.std !== undefined ? init.zeros() : init.linearDefault(rng, inF), { trainable: opts.trainable });
  const f = ((x: Tensor) => linear(x, weight, bias)) as Linear;
  f.weight = weight;
  f.bias = bias;
  return f;
}
