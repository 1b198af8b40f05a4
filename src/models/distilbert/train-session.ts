/**
 * The DistilBERT training session `verde text` fits with (fit.ts) and bench/train-step times:
 * the training graph (train-graph.ts, dropout on, [CLS]-only last block, optional early-exit
 * heads with their weighted loss) and the engine session with the guide's §6.1 optimiser —
 * AdamW, weight decay 0.01, gradient norm clipped at 1.0. One place, so the benchmark measures
 * exactly what users train.
 */
import { Graph, type Tensor } from '../../engine/graph.js';
import { TrainingSession } from '../../engine/runtime/training-session.js';
import * as op from '../../engine/ops/index.js';
import type { DistilBertConfig } from './config.js';
import type { Params } from './params.js';
import { distilbertForward, earlyExitLoss } from './train-graph.js';

export interface TrainSessionOptions {
  /** Peak learning rate (each step may pass its own). */
  lr: number;
  /** Seed of the graph's dropout masks and of fresh exit heads. */
  seed: number;
  /** Intra-op threads of the ONNX Runtime session. */
  threads?: number;
  /** Early-exit heads after these layers, trained with the weighted aggregate loss. */
  exits?: number[];
}

export const TRAIN_OPTIMIZER = { type: 'adamw', weightDecay: 0.01 } as const;
export const CLIP_GRAD_NORM = 1.0;

export interface DistilBertTraining {
  g: Graph;
  session: TrainingSession;
  /** The final head's logits (evaluate them with session.evaluate). */
  logits: Tensor;
  /** Loss weights of the exit heads and the final head, when there are exit heads. */
  exitWeights?: number[];
}

/** Build the training graph from `params` (copied, not moved) and open its session. */
export async function openDistilBertTraining(config: DistilBertConfig, params: Params, o: TrainSessionOptions): Promise<DistilBertTraining> {
  const g = new Graph('distilbert-train');
  g.seed = o.seed;
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const labels = g.input('labels', 'int64', ['batch']);
  const fwd = distilbertForward(g, config, params, ids, mask, { train: true, exits: o.exits });
  let loss;
  let exitWeights: number[] | undefined;
  if (fwd.exitLogits.length) {
    const e = earlyExitLoss(fwd.exitLogits, fwd.logits, labels);
    loss = e.loss;
    exitWeights = e.weights;
  } else loss = op.crossEntropy(fwd.logits, labels);
  // Initial values are copied (the default), not moved: `params` is shared with other variants, e.g.
  // the structured-pruned copy keeps the unpruned embedding table.
  const session = await TrainingSession.create(g, { loss, optimizer: { ...TRAIN_OPTIMIZER, lr: o.lr }, clipGradNorm: CLIP_GRAD_NORM }, { threads: o.threads });
  return { g, session, logits: fwd.logits, exitWeights };
}
