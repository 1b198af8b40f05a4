/**
 * The engine worker: owns the ONNX Runtime sessions and all state tensors (parameters, optimiser
 * state, accumulators) so that session.run, which blocks its thread, never blocks the caller's
 * event loop, and so that big state stays where it is between steps (outputs of one step become
 * inputs of the next as the same ort.Tensor objects).
 */
import { parentPort } from 'node:worker_threads';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { UserError } from '../../util/errors.js';
import type { HostTensor } from '../types.js';
import { type DeviceOptions, createSession, fromOrt, toOrt } from './ort.js';
import type { Request } from './protocol.js';

const sessions = new Map<string, InferenceSession>();
const state = new Map<string, Tensor>();
let device: DeviceOptions = {};

function zerosLike(dims: number[]): Tensor {
  return new Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);
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
      for (const name of req.names) {
        const t = state.get(name);
        if (!t) throw new Error(`engine worker: no state tensor "${name}"`);
        out[name] = fromOrt(t);
      }
      return { value: out }; // structured clone copies: the worker keeps its tensors
    }
    case 'run': {
      const session = sessions.get(req.model);
      if (!session) throw new Error(`engine worker: no model "${req.model}" loaded`);
      const feeds: Record<string, Tensor> = {};
      for (const name of session.inputNames) {
        const f = req.feeds[name];
        const t = f ? toOrt(f) : state.get(name);
        if (!t) throw new UserError(`model ${req.model}: input "${name}" was not fed`);
        feeds[name] = t;
      }
      const updates = req.updates ?? {};
      const wanted = [...new Set([...req.fetch, ...Object.keys(updates)])];
      const result = await session.run(feeds, wanted);
      for (const [out, name] of Object.entries(updates)) state.set(name, result[out]);
      for (const name of req.zeroAfter ?? []) {
        const t = state.get(name);
        if (t) state.set(name, zerosLike(t.dims as number[]));
      }
      const value: Record<string, HostTensor> = {};
      const transfer: ArrayBuffer[] = [];
      for (const name of req.fetch) {
        const h = fromOrt(result[name]);
        value[name] = h;
        // outputs that are not kept as state can be moved rather than copied
        if (!(name in updates) && h.data.buffer instanceof ArrayBuffer && h.data.byteLength === h.data.buffer.byteLength) transfer.push(h.data.buffer);
      }
      return { value, transfer };
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
