/**
 * Compile a model (forward graph + scalar loss) into what a training run executes: one ONNX graph,
 * forward and backward, whose outputs are the loss, the caller's extra outputs and one gradient per
 * trainable parameter (seeded with the optimiser's gradScale), plus the update plan the engine
 * worker follows to accumulate, clip and apply those gradients in place (optim.ts). Parameters are
 * graph inputs fed from the worker's arrays without copies; optimiser state never enters the graph.
 */
import { UserError } from '../util/errors.js';
import { type Graph, type Param, type Tensor } from './graph.js';
import { gradients } from './autodiff.js';
import { type EmittedModel, emitModel } from './onnx.js';
import { type OptimizerConfig, type UpdatePlan, gradScale, stateKinds, stateName } from './optim.js';

export interface TrainingSpec {
  loss: Tensor;
  optimizer: OptimizerConfig;
  /** Clip gradients to this global L2 norm (the norm before clipping is reported per step). */
  clipGradNorm?: number;
  /** Average gradients over this many micro-batches before each update (default 1). */
  gradAccumulation?: number;
  /** Extra tensors returned by every step, e.g. { logits }. Keep them small: outputs are copied. */
  outputs?: Record<string, Tensor>;
  /** Freeze parameters by name, in addition to those declared with trainable: false. */
  freeze?: (name: string) => boolean;
}

export interface StateSpec {
  name: string;
  dims: number[];
  /** 'param': the parameter's initial values; 'zeros': optimiser state / accumulators. */
  init: 'param' | 'zeros';
  param: string;
  kind: 'param' | string;
}

export interface CompiledTraining {
  graph: Graph;
  spec: TrainingSpec;
  state: StateSpec[];
  trainable: string[];
  frozen: string[];
  /** The forward + backward graph: loss, spec.outputs and `<param>::grad` per parameter in plan.params. */
  model: EmittedModel;
  plan: UpdatePlan;
  /** Data inputs the caller feeds. */
  dataInputs: string[];
  /** Graph outputs each step hands back to the caller: 'loss' and spec.outputs (the gradient norm comes from the update). */
  fetched: string[];
}

/** Graphs already compiled (compiling adds backward nodes, so twice would train a changed graph). */
const compiledGraphs = new WeakSet<Graph>();

export function compileTraining(graph: Graph, spec: TrainingSpec): CompiledTraining {
  const { loss, optimizer } = spec;
  if (loss.graph !== graph) throw new UserError('compileTraining: the loss belongs to another graph');
  if (loss.rank !== 0) throw new UserError(`compileTraining: the loss must be a scalar, got shape [${loss.shape}]`);
  const accumulation = spec.gradAccumulation ?? 1;
  if (!Number.isInteger(accumulation) || accumulation < 1) throw new UserError(`gradAccumulation must be a positive integer, got ${accumulation}`);
  if (compiledGraphs.has(graph)) throw new UserError('compileTraining: this graph was already compiled for training');

  const isFrozen = (p: Param) => !p.trainable || (spec.freeze?.(p.name) ?? false);
  const trainable = graph.params.filter((p) => !isFrozen(p));
  const frozen = graph.params.filter((p) => isFrozen(p));
  if (trainable.length === 0) throw new UserError('compileTraining: every parameter is frozen; nothing to train');

  // gradients come out multiplied by `scale` (see optim.ts: saves Adam passes, folds 1/accumulation)
  const scale = gradScale(optimizer, accumulation);
  const dataInputs = graph.inputs.map((i) => i.name);
  const rawGrads = gradients(loss, trainable, scale === 1 ? undefined : graph.scalar(scale, loss.dtype));
  compiledGraphs.add(graph);
  // parameters the loss does not reach get no update (like PyTorch params whose .grad is None)
  const withGrad = trainable.map((p, i) => ({ p, g: rawGrads[i] })).filter((x): x is { p: Param; g: Tensor } => !!x.g);

  const state: StateSpec[] = graph.params.map((p) => ({ name: p.name, dims: p.dims, init: 'param', param: p.name, kind: 'param' }));
  const kinds = [...stateKinds(optimizer), ...(accumulation > 1 ? ['acc'] : [])];
  for (const { p } of withGrad) for (const k of kinds) state.push({ name: stateName(p.name, k), dims: p.dims, init: 'zeros', param: p.name, kind: k });

  const extraOutputs = Object.entries(spec.outputs ?? {}).map(([name, tensor]) => ({ name, tensor }));
  const gradOutputs = withGrad.map(({ p, g }) => ({ name: stateName(p.name, 'grad'), tensor: g }));
  const model = emitModel(graph, { outputs: [{ name: 'loss', tensor: loss }, ...extraOutputs, ...gradOutputs], mode: 'train', params: 'inputs' });
  const plan: UpdatePlan = {
    optimizer,
    clipGradNorm: spec.clipGradNorm,
    normScale: scale * accumulation,
    accumulation,
    params: withGrad.map(({ p }) => ({ name: p.name, grad: stateName(p.name, 'grad'), decay: p.weightDecay })),
  };
  return {
    graph,
    spec,
    state,
    trainable: trainable.map((p) => p.name),
    frozen: frozen.map((p) => p.name),
    model,
    plan,
    dataInputs,
    fetched: ['loss', ...extraOutputs.map((o) => o.name)],
  };
}
