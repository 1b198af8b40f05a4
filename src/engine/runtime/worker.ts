/**
 * The engine worker: owns the ONNX Runtime sessions and all state tensors (parameters, optimiser
 * state, accumulators) so that session.run, which blocks its thread, never blocks the caller's
 * event loop, and so that big state stays where it is between steps: parameters are fed to ONNX
 * Runtime straight from the worker's arrays, and the optimiser updates them in place (optim.ts).
 */
import { parentPort } from 'node:worker_threads';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { UserError } from '../../util/errors.js';
import { type UpdatePlan, applyGradients } from '../optim.js';
import type { HostTensor } from '../types.js';
import { type DeviceOptions, createSession, fromOrt, toOrt } from './ort.js';
import type { Request, TrainStepReply } from './protocol.js';

const sessions = new Map<string, InferenceSession>();
const state = new Map<string, Tensor>();
let device: DeviceOptions = {};
let plan: UpdatePlan | undefined;

function zerosLike(dims: number[]): Tensor {
  return new Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);
}

function stateTensor(name: string): Tensor {
  const t = state.get(name);
  if (!t) throw new Error(`engine worker: no state tensor "${name}"`);
  return t;
}

const stateArray = (name: string): Float32Array => stateTensor(name).data as Float32Array;

/** Run a loaded model: inputs from `feeds`, else from the state of the same name. */
async function runModel(model: string, given: Record<string, HostTensor>, fetch: string[]): Promise<InferenceSession.ReturnType> {
  const session = sessions.get(model);
  if (!session) throw new Error(`engine worker: no model "${model}" loaded`);
  const feeds: Record<string, Tensor> = {};
  for (const name of session.inputNames) {
    const f = given[name];
    const t = f ? toOrt(f) : state.get(name);
    if (!t) throw new UserError(`model ${model}: input "${name}" was not fed`);
    feeds[name] = t;
  }
  return session.run(feeds, fetch);
}

/** The fetched outputs as host tensors, moved rather than copied to the caller (the worker keeps none of them). */
function returned(result: InferenceSession.ReturnType, fetch: string[]): { value: Record<string, HostTensor>; transfer: ArrayBuffer[] } {
  const value: Record<string, HostTensor> = {};
  const transfer: ArrayBuffer[] = [];
  for (const name of fetch) {
    const h = fromOrt(result[name]);
    value[name] = h;
    if (h.data.buffer instanceof ArrayBuffer && h.data.byteLength === h.data.buffer.byteLength) transfer.push(h.data.buffer);
  }
  return { value, transfer };
}

async function handle(req: Request): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.type) {
    case 'init':
      device = req.device;
      return { value: null };
    case 'load': {
      const old = sessions.get(req.name);
      if (old) await old.release();
      sessions.set(req.name, await createSession(req.model, device));
      return { value: null };
    }
    case 'unload': {
      await sessions.get(req.name)?.release();
      sessions.delete(req.name);
      return { value: null };
    }
    case 'setState': {
      for (const [name, t] of Object.entries(req.tensors)) state.set(name, toOrt(t));
      for (const [name, dims] of Object.entries(req.zeros ?? {})) state.set(name, zerosLike(dims));
      return { value: null };
    }
    case 'getState': {
      const out: Record<string, HostTensor> = {};
      for (const name of req.names) out[name] = fromOrt(stateTensor(name));
      return { value: out }; // structured clone copies: the worker keeps its tensors
    }
    case 'run': {
      const result = await runModel(req.model, req.feeds, req.fetch);
      return returned(result, req.fetch);
    }
    case 'plan':
      plan = req.plan;
      return { value: null };
    case 'trainStep': {
      if (!plan) throw new Error('engine worker: trainStep before plan');
      const p = plan;
      const result = await runModel(req.model, req.feeds, [...req.fetch, ...p.params.map((x) => x.grad)]);
      const grads = p.params.map((x) => result[x.grad].data as Float32Array);
      const gradNorm = applyGradients(p, grads, stateArray, req.apply, req.scalars);
      const { value, transfer } = returned(result, req.fetch);
      return { value: { outputs: value, gradNorm } satisfies TrainStepReply, transfer };
    }
    case 'close':
      for (const s of sessions.values()) await s.release();
      sessions.clear();
      state.clear();
      return { value: null };
  }
}

parentPort!.on('message', async (msg: { id: number; req: Request }) => {
  const t0 = performance.now();
  try {
    const { value, transfer } = await handle(msg.req);
    parentPort!.postMessage({ id: msg.id, ok: true, value, ms: performance.now() - t0 }, transfer ?? []);
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({ id: msg.id, ok: false, error: e?.message ?? String(err), userError: e instanceof UserError });
  }
});
