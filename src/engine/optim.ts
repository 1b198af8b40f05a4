/**
 * Optimisers as in-place kernels on the engine worker's own arrays. The training graph stops at
 * the gradients; the worker then updates parameters and optimiser state where they lie, in one
 * fused pass per parameter. Why not as graph nodes: onnxruntime-node hands every graph output back
 * as a fresh JavaScript copy, so an update inside the graph made new parameters, first and second
 * moments every step (3 x 267 MB for DistilBERT-base, twice over: ORT's outputs and their copies),
 * and ORT ran AdamW as ~10 separate elementwise passes. In place, a step holds one extra array per
 * parameter (its gradient) and reads and writes each weight once.
 *
 * Constants are folded as before (and checkpoints keep the same state):
 *  - the backward pass is seeded with gradScale(cfg) = (1-b1) (/ accumulation steps) instead of 1,
 *    so gradients arrive already scaled and m' = b1*m + g' needs no extra multiply;
 *  - the second moment is kept scaled, vs = v * (1-b1)^2/(1-b2), so vs' = b2*vs + g'^2;
 *  - bias corrections and eps are folded into two per-step scalars (optimizerScalars).
 * The result equals PyTorch's AdamW update (test/engine/training.test.ts checks it by hand).
 */

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

/** The per-step constants of an update (see optimizerScalars). */
export interface StepScalars {
  /** AdamW: lr folded with both bias corrections; SGD: the learning rate. */
  stepSize: number;
  /** AdamW: 1 - lr * weightDecay, the decoupled decay factor. */
  decay: number;
  /** AdamW: eps folded with the second bias correction. */
  epsHat: number;
}

/** The per-step constants for step number `t` (1-based) at learning rate `lr`. */
export function optimizerScalars(cfg: OptimizerConfig, t: number, lr: number): StepScalars {
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
    return { stepSize: (lr * bc2sqrt) / ((1 - b1 ** t) * k), decay: 1 - lr * wd, epsHat: (eps * bc2sqrt) / k };
  }
  return { stepSize: lr, decay: 1, epsHat: 0 };
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

/**
 * Global L2 norm of several arrays, summed in double precision. Four running sums, because one
 * sum is a chain of dependent additions that waits on each add's latency (~95 ms for 67M floats
 * here, ~30 ms with four).
 */
export function globalNorm(arrays: Float32Array[]): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (const a of arrays) {
    const n4 = a.length - (a.length % 4);
    for (let i = 0; i < n4; i += 4) {
      s0 += a[i] * a[i];
      s1 += a[i + 1] * a[i + 1];
      s2 += a[i + 2] * a[i + 2];
      s3 += a[i + 3] * a[i + 3];
    }
    for (let i = n4; i < a.length; i++) s0 += a[i] * a[i];
  }
  return Math.sqrt(s0 + s1 + s2 + s3);
}

/**
 * The factor that scales gradients to a global L2 norm of at most `maxNorm`
 * (torch.nn.utils.clip_grad_norm_: maxNorm / (norm + 1e-6), capped at 1).
 */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return Math.min(maxNorm / (norm + 1e-6), 1);
}

/** acc += g, in place (gradient accumulation). */
export function accumulateInto(acc: Float32Array, g: Float32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += g[i];
}

/**
 * Update one parameter in place: `p` its values, `g` its (scaled) gradient times `coef` (the clip
 * factor), `state` its optimiser arrays by kind, `decayOn` whether weight decay applies to it (the
 * amount is the config's: AdamW's s.decay is exactly 1 and SGD's term 0 when weightDecay is 0).
 */
export function updateInPlace(cfg: OptimizerConfig, p: Float32Array, g: Float32Array, state: Record<string, Float32Array>, decayOn: boolean, s: StepScalars, coef: number): void {
  if (cfg.type === 'adamw') {
    const b1 = cfg.beta1 ?? 0.9;
    const b2 = cfg.beta2 ?? 0.999;
    const m = state.m;
    const vs = state.vs;
    const decay = decayOn ? s.decay : 1;
    const { stepSize, epsHat } = s;
    // one fused pass: each weight and moment read and written once
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] * coef;
      const mi = b1 * m[i] + gi;
      const vi = b2 * vs[i] + gi * gi;
      m[i] = mi;
      vs[i] = vi;
      p[i] = p[i] * decay - (mi / (Math.sqrt(vi) + epsHat)) * stepSize;
    }
    return;
  }
  const lr = s.stepSize;
  const wd = decayOn ? (cfg.weightDecay ?? 0) : 0;
  const mom = cfg.momentum ?? 0;
  const buf = state.momentum;
  for (let i = 0; i < p.length; i++) {
    let d = g[i] * coef + wd * p[i];
    if (mom > 0) {
      const b = buf[i] * mom + d;
      buf[i] = b;
      d = cfg.nesterov ? d + b * mom : b;
    }
    p[i] -= lr * d;
  }
}

/** What the worker needs to turn one micro-batch's gradients into an update (compileTraining makes it). */
export interface UpdatePlan {
  optimizer: OptimizerConfig;
  clipGradNorm?: number;
  /** The factor accumulated gradients carry (gradScale x accumulation): the true norm is divided by it. */
  normScale: number;
  accumulation: number;
  /** Trainable parameters with a gradient: state name, gradient output name, whether weight decay applies. */
  params: { name: string; grad: string; decay: boolean }[];
}

/**
 * Take one micro-batch's gradients (in plan.params order): add them to the accumulators when
 * accumulating, and when `apply`, clip by the global norm and update every parameter in place,
 * then zero the accumulators. `array(name)` is the worker's state array of that name. Returns the
 * true gradient norm before clipping when the plan clips and the update was applied.
 */
export function applyGradients(plan: UpdatePlan, grads: Float32Array[], array: (name: string) => Float32Array, apply: boolean, s?: StepScalars): number | undefined {
  const kinds = stateKinds(plan.optimizer);
  let use = grads;
  if (plan.accumulation > 1) {
    use = plan.params.map((p, i) => {
      const acc = array(stateName(p.name, 'acc'));
      accumulateInto(acc, grads[i]);
      return acc;
    });
  }
  if (!apply) return undefined;
  if (!s) throw new Error('applyGradients: an applied step needs its step scalars');
  let norm: number | undefined;
  let coef = 1;
  if (plan.clipGradNorm !== undefined) {
    norm = globalNorm(use) / plan.normScale;
    coef = clipCoefficient(norm, plan.clipGradNorm);
  }
  plan.params.forEach((p, i) => {
    const state: Record<string, Float32Array> = {};
    for (const k of kinds) state[k] = array(stateName(p.name, k));
    updateInPlace(plan.optimizer, array(p.name), use[i], state, p.decay, s, coef);
  });
  if (plan.accumulation > 1) for (const acc of use) acc.fill(0);
  return norm;
}
