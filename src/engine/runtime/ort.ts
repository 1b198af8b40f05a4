/**
 * verde's one boundary to onnxruntime-node: every inference session in the project is created here
 * (threads, spinning, profiling, execution provider, and a missing provider turned into a one-line
 * error), plus conversion between HostTensor (plain typed arrays, transferable between threads) and
 * ort.Tensor.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../util/errors.js';
import type { DType, HostTensor } from '../types.js';

export type Device = 'cpu' | 'cuda';

export interface DeviceOptions {
  /** 'cpu' (default) or 'cuda' (needs onnxruntime-node's CUDA provider libraries). */
  device?: Device;
  /** Threads inside one op (ORT intraOpNumThreads); default: ORT's choice (all cores). */
  threads?: number;
  /**
   * Whether ORT's pool threads spin after each parallel section (ORT's default, true). A server
   * turns it off: spinning threads would burn the cores the HTTP thread and the other models need
   * between batches.
   */
  spinning?: boolean;
}

export function sessionOptions(opts: DeviceOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: opts.device === 'cuda' ? ['cuda'] : ['cpu'],
    intraOpNumThreads: opts.threads ?? 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    // VERDE_ORT_PROFILE=<prefix> writes ORT's per-node timing JSON (for performance work)
    ...(process.env.VERDE_ORT_PROFILE ? { enableProfiling: true, profileFilePrefix: process.env.VERDE_ORT_PROFILE } : {}),
  };
}

/** Create a session from a file path or model bytes, turning a missing CUDA provider into a one-line UserError. */
export async function createSession(model: Uint8Array | string, opts: DeviceOptions): Promise<ort.InferenceSession> {
  try {
    return typeof model === 'string'
      ? await ort.InferenceSession.create(model, sessionOptions(opts))
      : await ort.InferenceSession.create(model, sessionOptions(opts));
  } catch (err) {
    if (opts.device === 'cuda') {
      throw new UserError(
        `device cuda: onnxruntime-node could not start its CUDA provider (${firstLine(err)}); ` +
          'it needs CUDA 12 + cuDNN 9 and the provider libraries that its install step downloads ' +
          '(reinstall onnxruntime-node with internet access and without onnxruntime-node-install=skip), or use --device cpu',
      );
    }
    throw err;
  }
}

/** Sessions for several models (early-exit stages), opened in order; a failure releases those already open. */
export async function createSessions(models: (Uint8Array | string)[], opts: DeviceOptions): Promise<ort.InferenceSession[]> {
  const sessions: ort.InferenceSession[] = [];
  try {
    for (const m of models) sessions.push(await createSession(m, opts));
    return sessions;
  } catch (err) {
    await releaseAll(sessions);
    throw err;
  }
}

export async function releaseAll(sessions: ort.InferenceSession[]): Promise<void> {
  for (const s of sessions) await s.release();
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
  uint8: 'uint8',
  int8: 'int8',
};

export function toOrt(t: HostTensor): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[t.dtype], t.data as never, t.dims);
}

export function fromOrt(t: ort.Tensor): HostTensor {
  const dtype = t.type as DType;
  let data = t.data as HostTensor['data'];
  // ORT hands bool tensors back as Uint8Array already; keep the shape as plain numbers
  return { dtype, dims: t.dims.map(Number), data };
}

export { ort };
