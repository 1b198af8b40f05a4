/**
 * Compile a model (forward graph + scalar loss) into the ONNX graphs a training run executes:
 *   step:       forward, backward, (clipping), optimiser update -> loss, new params and state
 *   accumulate: forward, backward -> loss, gradient accumulators + gradients (gradient accumulation)
 * Parameters and optimiser state are graph inputs, their new values graph outputs; the runtime
 * feeds each step's outputs back as the next step's inputs without leaving ONNX Runtime tensors.
 */
import { UserError } from '../util/errors.js';
import { type Graph, type Param, type Tensor } from './graph.js';
import { gradients } from './autodiff.js';
import { type EmittedModel, emitModel } from './onnx.js';
import { type OptimizerConfig, SCALARS, applyUpdate, clipByGlobalNorm, gradScale, stateKinds, stateName } from './optim.js';
import { add } from './ops/elementwise.js';

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

export interface CompiledModel extends EmittedModel {
  /** graph output name -> state name it replaces */
  updates: Record<string, string>;
}

export interface CompiledTraining {
  graph: Graph;
  spec: TrainingSpec;
  state: StateSpec[];
  trainable: string[];
  frozen: string[];
  models: { step: CompiledModel; accumulate?: CompiledModel };
  /** Data inputs the caller feeds (graph inputs other than optimiser scalars). */
  dataInputs: string[];
  /** Step outputs the caller sees: 'loss', 'grad_norm' (when clipping) and spec.outputs. */
  reported: string[];
}

const NEW = '::new';

export function compileTraining(graph: Graph, spec: TrainingSpec): CompiledTraining {
  const { loss, optimizer } = spec;
  if (loss.graph !== graph) throw new UserError('compileTraining: the loss belongs to another graph');
  if (loss.rank !== 0) throw new UserError(`compileTraining: the loss must be a scalar, got shape [${loss.shape}]`);
  const accumulation = spec.gradAccumulation ?? 1;
  if (!Number.isInteger(accumulation) || accumulation < 1) throw new UserError(`gradAccumulation must be a positive integer, got ${accumulation}`);
  if (graph.inputs.some((i) => i.name.startsWith('opt.'))) throw new UserError('compileTraining: this graph was already compiled for training');

  const isFrozen = (p: Param) => !p.trainable || (spec.freeze?.(p.name) ?? false);
  const trainable = graph.params.filter((p) => !isFrozen(p));
  const frozen = graph.params.filter((p) => isFrozen(p));
  if (trainable.length === 0) throw new UserError('compileTraining: every parameter is frozen; nothing to train');

  // gradients come out multiplied by `scale` (see optim.ts: saves Adam passes, folds 1/accumulation)
  const scale = gradScale(optimizer, accumulation);
  const rawGrads = gradients(loss, trainable, scale === 1 ? undefined : graph.scalar(scale, loss.dtype));
  // parameters the loss does not reach get no update (like PyTorch params whose .grad is None)
  const withGrad = trainable.map((p, i) => ({ p, g: rawGrads[i] })).filter((x): x is { p: Param; g: Tensor } => !!x.g);

  const state: StateSpec[] = graph.params.map((p) => ({ name: p.name, dims: p.dims, init: 'param', param: p.name, kind: 'param' }));
  const kinds = stateKinds(optimizer);
  const stateInputs = new Map<string, Tensor>();
  for (const { p } of withGrad) {
    for (const k of kinds) {
      const name = stateName(p.name, k);
      state.push({ name, dims: p.dims, init: 'zeros', param: p.name, kind: k });
      stateInputs.set(name, graph.input(name, 'float32', p.dims));
    }
  }
  const scalars = new Map<string, Tensor>();
  for (const s of SCALARS[optimizer.type]) scalars.set(s, graph.input(s, 'float32', []));

  const extraOutputs = Object.entries(spec.outputs ?? {}).map(([name, tensor]) => ({ name, tensor }));
  const reported = ['loss', ...extraOutputs.map((o) => o.name)];

  // gradient accumulation: accumulators are state; the step model adds the last micro-batch
  let grads = withGrad.map((x) => x.g);
  let accumulate: CompiledModel | undefined;
  if (accumulation > 1) {
    const accs = withGrad.map(({ p }) => {
      const name = stateName(p.name, 'acc');
      state.push({ name, dims: p.dims, init: 'zeros', param: p.name, kind: 'acc' });
      return graph.input(name, 'float32', p.dims);
    });
    const summed = grads.map((gr, i) => add(accs[i], gr));
    const outs = [{ name: 'loss', tensor: loss }, ...extraOutputs, ...summed.map((t, i) => ({ name: stateName(withGrad[i].p.name, 'acc') + NEW, tensor: t }))];
    accumulate = withUpdates(emitModel(graph, { outputs: outs, mode: 'train', params: 'inputs' }));
    grads = summed; // already means: the seed carried 1/accumulation
  }

  const outputs = [{ name: 'loss', tensor: loss }, ...extraOutputs];
  if (spec.clipGradNorm !== undefined) {
    const clipped = clipByGlobalNorm(grads, spec.clipGradNorm, scale * accumulation);
    grads = clipped.grads;
    outputs.push({ name: 'grad_norm', tensor: clipped.norm });
    reported.push('grad_norm');
  }
  for (let i = 0; i < withGrad.length; i++) {
    const p = withGrad[i].p;
    const updates = applyUpdate(graph, optimizer, p, grads[i], stateInputs, scalars);
    for (const [name, t] of updates) outputs.push({ name: name + NEW, tensor: t });
  }
  const step = withUpdates(emitModel(graph, { outputs, mode: 'train', params: 'inputs' }));
  const dataInputs = graph.inputs.filter((i) => !stateInputs.has(i.name) && !scalars.has(i.name) && !i.name.endsWith('::acc')).map((i) => i.name);
  return {
    graph,
    spec,
    state,
    trainable: trainable.map((p) => p.name),
    frozen: frozen.map((p) => p.name),
    models: { step, accumulate },
    dataInputs,
    reported,
  };
}

function withUpdates(m: EmittedModel): CompiledModel {
  const updates: Record<string, string> = {};
  for (const o of m.outputs) if (o.endsWith(NEW)) updates[o] = o.slice(0, -NEW.length);
  return { ...m, updates };
}
