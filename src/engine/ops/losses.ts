/**
 * Loss functions, written as compositions of differentiable ops (so their gradients follow from
 * the op rules). All return a float scalar (shape []) averaged the way PyTorch averages.
 */
import { type Tensor, opError } from '../graph.js';
import { type TensorLike, add, div, log, mul, neg, softplus, square, sub } from './elementwise.js';
import { matmul } from './linalg.js';
import { logSoftmax, oneHot, softmax } from './nn.js';
import { reduceMean, reduceSum } from './reduce.js';
import { reshape } from './shape-ops.js';

/**
 * Softmax cross-entropy of logits [N, C] against integer labels [N]. With class weights, the
 * weighted mean sum_i w[y_i] * nll_i / sum_i w[y_i] (PyTorch's CrossEntropyLoss(weight=...)).
 */
export function crossEntropy(logits: Tensor, labels: Tensor, opts: { classWeights?: number[] | Tensor } = {}): Tensor {
  if (logits.rank !== 2) opError('crossEntropy', 'logits must be [N, C]', logits);
  if (labels.rank !== 1) opError('crossEntropy', 'labels must be [N]', labels);
  const c = logits.shape[1];
  if (typeof c !== 'number') opError('crossEntropy', 'the class count must be fixed', logits);
  const g = logits.graph;
  const target = oneHot(labels, c);
  const nll = neg(reduceSum(mul(logSoftmax(logits, -1), target), [1])); // [N]
  const cw = opts.classWeights;
  if (cw === undefined) return reduceMean(nll);
  const w = Array.isArray(cw) ? g.constant(Float32Array.from(cw), [cw.length, 1], 'float32') : reshape(cw, [c, 1]);
  if (w.shape[0] !== c) opError('crossEntropy', `${w.shape[0]} class weights for ${c} classes`, logits, w);
  const perSample = reshape(matmul(target, w), [-1]); // w[y_i]
  return div(reduceSum(mul(nll, perSample)), reduceSum(perSample));
}

/** Cross-entropy against soft targets (probabilities) [N, C]: mean_i -sum_c t_ic log softmax(x)_ic. */
export function softCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return reduceMean(neg(reduceSum(mul(logSoftmax(logits, -1), targets), [-1])));
}

/**
 * Binary cross-entropy on logits (stable): mean of pw*t*softplus(-x) + (1-t)*softplus(x).
 * posWeight > 1 up-weights positives (rare-class fraud), like BCEWithLogitsLoss(pos_weight).
 */
export function bceWithLogits(logits: Tensor, targets: Tensor, opts: { posWeight?: number } = {}): Tensor {
  if (logits.dtype !== targets.dtype) opError('bceWithLogits', 'targets must have the logits dtype (cast labels to float)', logits, targets);
  const pw = opts.posWeight ?? 1;
  const pos = mul(targets, softplus(neg(logits)));
  const negTerm = mul(sub(1, targets), softplus(logits));
  return reduceMean(add(pw === 1 ? pos : mul(pos, pw), negTerm));
}

/** Binary cross-entropy on probabilities in (0, 1) (clamped away from 0 and 1 by eps). */
export function bce(probs: Tensor, targets: Tensor, eps = 1e-7): Tensor {
  const p = add(mul(probs, 1 - 2 * eps), eps);
  return neg(reduceMean(add(mul(targets, log(p)), mul(sub(1, targets), log(sub(1, p))))));
}

/** Mean squared error. */
export function mse(pred: Tensor, target: TensorLike): Tensor {
  return reduceMean(square(sub(pred, target)));
}

/**
 * Knowledge-distillation loss (Hinton et al.): T^2 * KL(softmax(teacher/T) || softmax(student/T)),
 * averaged over the batch (PyTorch's KLDivLoss(reduction='batchmean') on log-probabilities).
 * The teacher logits are usually a graph input and get no gradient.
 */
export function klDivergence(studentLogits: Tensor, teacherLogits: Tensor, temperature = 1): Tensor {
  if (studentLogits.rank !== 2) opError('klDivergence', 'logits must be [N, C]', studentLogits, teacherLogits);
  const t = temperature;
  const logQ = logSoftmax(t === 1 ? studentLogits : div(studentLogits, t), -1);
  const teacherScaled = t === 1 ? teacherLogits : div(teacherLogits, t);
  const p = softmax(teacherScaled, -1);
  const logP = logSoftmax(teacherScaled, -1);
  const perSample = reduceSum(mul(p, sub(logP, logQ)), [1]);
  return mul(reduceMean(perSample), t * t);
}

/** Several loss heads summed with weights (multi-task or early-exit training). */
export function weightedSum(terms: [Tensor, number][]): Tensor {
  let total: Tensor | undefined;
  for (const [loss, w] of terms) {
    const term = w === 1 ? loss : mul(loss, w);
    total = total ? add(total, term) : term;
  }
  if (!total) throw new Error('weightedSum: no terms');
  return total;
}
