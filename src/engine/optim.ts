/**
 * Optimisers as graph nodes: the update of every parameter (and its optimiser state) is part of
 * the one training-step graph, so weights and state never leave ONNX Runtime between forward,
 * backward and update. Per-step scalars (learning rate, bias corrections) are graph inputs computed
 * in TypeScript each step (optimizerScalars), so schedules need no graph rebuild.
 *
 * Adam costs one elementwise pass over all weights per op, so constants are folded to save passes
 * (each pass over DistilBERT's 67M weights is ~50-100 ms on 2 cores):
 *  - the backward pass is seeded with gradScale(cfg) = (1-b1) (/ accumulation steps) instead of 1,
 *    so gradients arrive already scaled and m' = b1*m + g' needs no extra multiply;
 *  - the second moment is kept scaled, vs = v * (1-b1)^2/(1-b2), so vs' = b2*vs + g'^2;
 *  - bias corrections and eps are folded into two per-step scalars.
 * The result equals PyTorch's AdamW update (tested against the formula by hand).
 */
import { type Graph, type Param, type Tensor } from './graph.js';
import { add, div, minimum, mul, sqrt, sub, sumAll } from './ops/elementwise.js';
import { sumSquares } from './ops/reduce.js';

export type OptimizerConfig =
  | {
      type: 'adamw';
      lr: number;
      beta1?: number; // default 0.9
      beta2?: number; // default 0.999
      eps?: number; // default 1e-8
      weightDecay?: number; // decoupled, default 0.01 (PyTorch AdamW's default)
    }
  | {
      type: 'sgd';
      lr: number;
      momentum?: number; // default 0
      weightDecay?: number; // L2 added to the gradient, as PyTorch SGD does; default 0
      nesterov?: boolean;
    };

/** Names of the scalar graph inputs an optimiser reads each step. */
export const SCALARS = {
  adamw: ['opt.step_size', 'opt.decay', 'opt.eps_hat'],
  sgd: ['opt.lr'],
} as const;

/** The per-step scalar feeds for step number `t` (1-based) at learning rate `lr`. */
export function optimizerScalars(cfg: OptimizerConfig, t: number, lr: number): Record<string, number> {
  if (cfg.type === 'adamw') {
    const b1 = cfg.beta1 ?? 0.9;
    const b2 = cfg.beta2 ?? 0.999;
    const wd = cfg.weightDecay ?? 0.01;
    const eps = cfg.eps ?? 1e-8;
    // PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps). With sqrt(v) = k*sqrt(vs),
    // k = sqrt(1-b2)/(1-b1), and multiplying through by sqrt(bc2)/k:
    // p -= (lr*sqrt(bc2)/(bc1*k)) * m / (sqrt(vs) + eps*sqrt(bc2)/k).
    const bc2sqrt = Math.sqrt(1 - b2 ** t);
    const k = Math.sqrt(1 - b2) / (1 - b1);
    return {
      'opt.step_size': (lr * bc2sqrt) / ((1 - b1 ** t) * k),
      'opt.decay': 1 - lr * wd,
      'opt.eps_hat': (eps * bc2sqrt) / k,
    };
  }
  return { 'opt.lr': lr };
}

/**
 * The factor the backward pass is seeded with (gradients come out multiplied by it): (1-b1) for
 * AdamW, 1 for SGD; divided by the accumulation steps so accumulated sums are already means.
 */
export function gradScale(cfg: OptimizerConfig, accumulation = 1): number {
  return (cfg.type === 'adamw' ? 1 - (cfg.beta1 ?? 0.9) : 1) / accumulation;
}

/** Optimiser state tensors kept per trainable parameter ('vs' = scaled second moment, see above). */
export function stateKinds(cfg: OptimizerConfig): string[] {
  if (cfg.type === 'adamw') return ['m', 'vs'];
  return (cfg.momentum ?? 0) > 0 ? ['momentum'] : [];
}

export const stateName = (param: string, kind: string): string => `${param}::${kind}`;

export interface UpdateOut {
  /** state name -> tensor holding its new value */
  updates: Map<string, Tensor>;
}

/**
 * Scale gradients so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_).
 * `scale` is the factor the gradients carry (gradScale); the returned norm is the true one,
 * before clipping.
 */
export function clipByGlobalNorm(grads: Tensor[], maxNorm: number, scale = 1): { grads: Tensor[]; norm: Tensor } {
  let norm = sqrt(sumAll(grads.map((gr) => sumSquares(gr))));
  if (scale !== 1) norm = div(norm, scale);
  const coef = minimum(div(maxNorm, add(norm, 1e-6)), 1);
  return { grads: grads.map((gr) => mul(gr, coef)), norm };
}

/** Global gradient norm without clipping (reported every step when asked). */
export function globalNorm(grads: Tensor[]): Tensor {
  return sqrt(sumAll(grads.map((gr) => sumSquares(gr))));
}

/** Emit the update nodes for one parameter; returns new values keyed by state name. */
export function applyUpdate(g: Graph, cfg: OptimizerConfig, p: Param, grad: Tensor, state: Map<string, Tensor>, scalars: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  if (cfg.type === 'adamw') {
    // `grad` arrives multiplied by (1-b1) (gradScale), so these are PyTorch's m and (scaled) v
    const b1 = cfg.beta1 ?? 0.9;
    const b2 = cfg.beta2 ?? 0.999;
    const m = state.get(stateName(p.name, 'm'))!;
    const vs = state.get(stateName(p.name, 'vs'))!;
    const m2 = add(mul(m, b1), grad);
    const vs2 = add(mul(vs, b2), mul(grad, grad));
    const denom = add(sqrt(vs2), scalars.get('opt.eps_hat')!);
    const stepv = mul(div(m2, denom), scalars.get('opt.step_size')!);
    const decayed = p.weightDecay && (cfg.weightDecay ?? 0.01) !== 0 ? mul(p, scalars.get('opt.decay')!) : p;
    out.set(p.name, sub(decayed, stepv));
    out.set(stateName(p.name, 'm'), m2);
    out.set(stateName(p.name, 'vs'), vs2);
  } else {
    const lr = scalars.get('opt.lr')!;
    const wd = cfg.weightDecay ?? 0;
    const mom = cfg.momentum ?? 0;
    let d = wd && p.weightDecay ? add(grad, mul(p, wd)) : grad;
    if (mom > 0) {
      const buf = state.get(stateName(p.name, 'momentum'))!;
      const buf2 = add(mul(buf, mom), d);
      out.set(stateName(p.name, 'momentum'), buf2);
      d = cfg.nesterov ? add(d, mul(buf2, mom)) : buf2;
    }
    out.set(p.name, sub(p, mul(d, lr)));
  }
  return out;
}
