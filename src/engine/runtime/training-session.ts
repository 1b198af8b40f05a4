/**
 * A training run on ONNX Runtime: compiles the gradient graph, starts an engine worker holding the
 * parameters and optimiser state (updated in place there, optim.ts), and exposes step / evaluate /
 * checkpoint / export. The main thread only sends batches and scalars and receives the loss and
 * small outputs.
 */
import { writeFileAtomic } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import type { Graph, Tensor } from '../graph.js';
import { emitModel, type EmittedModel } from '../onnx.js';
import { optimizerScalars } from '../optim.js';
import { readSafetensors, writeSafetensors } from '../safetensors.js';
import { type CompiledTraining, type TrainingSpec, compileTraining } from '../training.js';
import type { HostTensor } from '../types.js';
import type { DeviceOptions } from './ort.js';
import type { TrainStepReply } from './protocol.js';
import { tuneMallocForTraining } from './malloc-tuning.js';
import { WorkerClient } from './worker-client.js';

export interface StepResult {
  /** Optimiser updates applied so far (after this call). */
  step: number;
  /** Whether this call applied an update (false on accumulation-only micro-steps). */
  applied: boolean;
  loss: number;
  /** Global gradient norm before clipping (only with clipGradNorm). */
  gradNorm?: number;
  /** spec.outputs of this micro-batch. */
  outputs: Record<string, HostTensor>;
  /** Milliseconds ONNX Runtime spent (inside the worker). */
  ms: number;
}

const CHECKPOINT_FORMAT = 'verde-checkpoint/1';

export class TrainingSession {
  /** Optimiser updates applied. */
  step = 0;
  /** Micro-batches seen since the last update (gradient accumulation). */
  microStep = 0;
  private evalModels = new Map<string, EmittedModel>();
  private closed = false;

  private constructor(
    readonly compiled: CompiledTraining,
    private readonly worker: WorkerClient,
    readonly device: DeviceOptions,
  ) {}

  /**
   * Compile `graph` for training with `spec` and start the worker. The graph gains backward and
   * optimiser nodes; build the model (and set graph.seed) before calling this. The parameters'
   * initial arrays are copied to the worker, so the caller's arrays stay usable; with
   * `transferInitialValues` they are moved instead (no copy: 267 MB for DistilBERT-base) and
   * Param.init becomes empty — read current values with getParams().
   */
  static async create(graph: Graph, spec: TrainingSpec, device: DeviceOptions & { transferInitialValues?: boolean } = {}): Promise<TrainingSession> {
    const compiled = compileTraining(graph, spec);
    await tuneMallocForTraining(); // before the worker thread starts (it picks its malloc arena then)
    const worker = await WorkerClient.start(device);
    try {
      await worker.load('grads', compiled.model.bytes);
      await worker.request({ type: 'plan', plan: compiled.plan });
      const tensors: Record<string, HostTensor> = {};
      const zeros: Record<string, number[]> = {};
      const transfer: ArrayBuffer[] = [];
      for (const s of compiled.state) {
        if (s.init !== 'param') {
          zeros[s.name] = s.dims;
          continue;
        }
        const p = graph.findParam(s.param)!;
        tensors[s.name] = { dtype: 'float32', dims: s.dims, data: p.init };
        // moved rather than copied when asked: the main thread then reads values with getParams()
        const buf = p.init.buffer;
        if (device.transferInitialValues && buf instanceof ArrayBuffer && p.init.byteOffset === 0 && p.init.byteLength === buf.byteLength) {
          transfer.push(buf);
          p.releaseInit();
        }
      }
      await worker.request({ type: 'setState', tensors, zeros }, transfer);
    } catch (err) {
      await worker.close();
      throw err;
    }
    return new TrainingSession(compiled, worker, device);
  }

  get graph(): Graph {
    return this.compiled.graph;
  }

  /**
   * One micro-batch: forward + backward, and (every gradAccumulation micro-batches) the optimiser
   * update at learning rate `lr` (default: the optimiser's lr).
   */
  async trainStep(feeds: Record<string, HostTensor>, opts: { lr?: number } = {}): Promise<StepResult> {
    this.checkOpen();
    this.checkFeeds(feeds);
    const { spec } = this.compiled;
    const k = spec.gradAccumulation ?? 1;
    const last = this.microStep + 1 >= k;
    const scalars = last ? optimizerScalars(spec.optimizer, this.step + 1, opts.lr ?? spec.optimizer.lr) : undefined;
    const reply = await this.worker.request<TrainStepReply>({ type: 'trainStep', model: 'grads', feeds, fetch: this.compiled.fetched, apply: last, scalars });
    if (last) {
      this.step++;
      this.microStep = 0;
    } else this.microStep++;
    const out = reply.outputs;
    const ms = this.worker.lastMs;
    const loss = (out.loss.data as Float32Array)[0];
    const gradNorm = reply.gradNorm;
    const outputs: Record<string, HostTensor> = {};
    for (const name of Object.keys(spec.outputs ?? {})) outputs[name] = out[name];
    return { step: this.step, applied: last, loss, gradNorm, outputs, ms };
  }

  /**
   * Run the inference graph (dropout off) with the current parameters. `outputs` are tensors of
   * this graph (e.g. { logits }); the compiled model is cached per output set.
   */
  async evaluate(feeds: Record<string, HostTensor>, outputs: Record<string, Tensor>): Promise<Record<string, HostTensor>> {
    this.checkOpen();
    const key = Object.entries(outputs)
      .map(([n, t]) => `${n}=${t.name}`)
      .join(',');
    if (!this.evalModels.has(key)) {
      const m = emitModel(this.graph, { outputs: Object.entries(outputs).map(([name, tensor]) => ({ name, tensor })), mode: 'infer', params: 'inputs' });
      await this.worker.load(`eval:${key}`, m.bytes);
      this.evalModels.set(key, m);
    }
    const m = this.evalModels.get(key)!;
    const needed: Record<string, HostTensor> = {};
    for (const name of m.inputs) {
      if (feeds[name]) needed[name] = feeds[name];
      else if (!this.graph.findParam(name)) throw new UserError(`evaluate: input "${name}" was not fed`);
    }
    return this.worker.run(`eval:${key}`, needed, m.outputs);
  }

  /** Current parameter values (copies), by parameter name. */
  async getParams(): Promise<Map<string, Float32Array>> {
    this.checkOpen();
    const names = this.graph.params.map((p) => p.name);
    const got = await this.worker.request<Record<string, HostTensor>>({ type: 'getState', names });
    return new Map(names.map((n) => [n, got[n].data as Float32Array]));
  }

  /** Replace parameter values (e.g. pretrained weights); shapes must match. */
  async setParams(values: Map<string, Float32Array> | Record<string, Float32Array>): Promise<void> {
    this.checkOpen();
    const entries = values instanceof Map ? [...values] : Object.entries(values);
    const tensors: Record<string, HostTensor> = {};
    for (const [name, data] of entries) {
      const p = this.graph.findParam(name);
      if (!p) throw new UserError(`setParams: the model has no parameter "${name}"`);
      if (data.length !== p.size) throw new UserError(`setParams: ${name} has ${data.length} values, the parameter [${p.dims}] needs ${p.size}`);
      tensors[name] = { dtype: 'float32', dims: p.dims, data };
    }
    await this.worker.request({ type: 'setState', tensors });
  }

  /**
   * Load pretrained weights from a safetensors file by name (e.g. a Hugging Face
   * model.safetensors; F16/BF16 are widened). `prefix` is prepended to each parameter name when
   * looking it up (HF DistilBertForSequenceClassification stores 'distilbert.embeddings...').
   * Parameters absent from the file keep their values (a new head); returns what was loaded,
   * what was missing and what in the file was unused. `strict` makes a missing parameter an error.
   */
  async loadWeights(path: string, opts: { prefix?: string; strict?: boolean } = {}): Promise<{ loaded: string[]; missing: string[]; unused: string[] }> {
    const { tensors } = await readSafetensors(path);
    const prefix = opts.prefix ?? '';
    const values = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const p of this.graph.params) {
      const t = tensors.get(prefix + p.name) ?? tensors.get(p.name);
      if (!t) {
        missing.push(p.name);
        continue;
      }
      if (t.dtype !== 'float32' || t.dims.join(',') !== p.dims.join(',')) {
        throw new UserError(`${path}: tensor "${prefix + p.name}" is ${t.dtype}[${t.dims}], the model needs float32[${p.dims}]`);
      }
      values.set(p.name, t.data as Float32Array);
    }
    if (opts.strict && missing.length) throw new UserError(`${path}: no tensor for ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
    await this.setParams(values);
    const used = new Set([...values.keys()].flatMap((n) => [n, prefix + n]));
    return { loaded: [...values.keys()], missing, unused: [...tensors.keys()].filter((n) => !used.has(n)) };
  }

  /**
   * Save everything needed to resume (parameters, optimiser state, accumulators, step counters)
   * to one safetensors file, atomically. Parameter tensors keep their names, so the file also
   * loads as plain weights; optimiser state is stored as "<param>::m" etc.
   */
  async saveCheckpoint(path: string, metadata: Record<string, string> = {}): Promise<void> {
    this.checkOpen();
    const names = this.compiled.state.map((s) => s.name);
    const got = await this.worker.request<Record<string, HostTensor>>({ type: 'getState', names });
    const tensors = new Map(names.map((n) => [n, got[n]]));
    await writeSafetensors(path, tensors, {
      ...metadata,
      format: CHECKPOINT_FORMAT,
      step: String(this.step),
      micro_step: String(this.microStep),
      optimizer: JSON.stringify(this.compiled.spec.optimizer),
    });
  }

  /** Resume from saveCheckpoint's file (names and shapes must match this model). */
  async loadCheckpoint(path: string): Promise<Record<string, string>> {
    this.checkOpen();
    const { tensors, metadata } = await readSafetensors(path);
    const out: Record<string, HostTensor> = {};
    for (const s of this.compiled.state) {
      const t = tensors.get(s.name);
      if (!t) {
        if (s.kind === 'param' || metadata.format === CHECKPOINT_FORMAT) throw new UserError(`${path}: checkpoint has no tensor "${s.name}"`);
        continue; // a weights-only file: optimiser state starts from zeros
      }
      if (t.dtype !== 'float32' || t.dims.join(',') !== s.dims.join(',')) {
        throw new UserError(`${path}: tensor "${s.name}" is ${t.dtype}[${t.dims}], the model needs float32[${s.dims}]`);
      }
      out[s.name] = t;
    }
    await this.worker.request({ type: 'setState', tensors: out });
    if (metadata.format === CHECKPOINT_FORMAT) {
      this.step = Number(metadata.step ?? 0);
      this.microStep = Number(metadata.micro_step ?? 0);
    }
    return metadata;
  }

  /**
   * Write the inference graph for `outputs` (no loss, gradients or optimiser; Dropout removed) as a
   * standalone .onnx with the current weights as initializers, atomically.
   */
  async exportOnnx(path: string, outputs: Record<string, Tensor>, opts: { docString?: string } = {}): Promise<EmittedModel> {
    const params = await this.getParams();
    const m = emitModel(this.graph, {
      outputs: Object.entries(outputs).map(([name, tensor]) => ({ name, tensor })),
      mode: 'infer',
      params: 'initializers',
      paramValues: params,
      docString: opts.docString,
    });
    await writeFileAtomic(path, m.bytes);
    return m;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('TrainingSession is closed');
  }

  private checkFeeds(feeds: Record<string, HostTensor>): void {
    for (const name of this.compiled.dataInputs) {
      const input = this.graph.inputs.find((i) => i.name === name)!;
      const f = feeds[name];
      if (!f) {
        if (this.compiled.model.inputs.includes(name)) throw new UserError(`trainStep: input "${name}" was not fed`);
        continue;
      }
      if (f.dtype !== input.dtype) throw new UserError(`trainStep: input "${name}" must be ${input.dtype}, got ${f.dtype}`);
      if (f.dims.length !== input.rank || input.shape.some((d, i) => typeof d === 'number' && d !== f.dims[i])) {
        throw new UserError(`trainStep: input "${name}" has dims [${f.dims}], the graph declares [${input.shape}]`);
      }
    }
  }
}
