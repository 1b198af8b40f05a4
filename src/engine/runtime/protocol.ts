/** Messages between the main thread (WorkerClient) and the engine worker (worker.ts). */
import type { DeviceOptions } from './ort.js';
import type { HostTensor } from '../types.js';

export type Request =
  | { type: 'init'; device: DeviceOptions }
  | { type: 'load'; name: string; model: Uint8Array }
  | { type: 'unload'; name: string }
  | { type: 'setState'; tensors: Record<string, HostTensor>; zeros?: Record<string, number[]> }
  | { type: 'getState'; names: string[] }
  | {
      type: 'run';
      model: string;
      feeds: Record<string, HostTensor>;
      /** outputs returned to the caller */
      fetch: string[];
      /** output name -> state name it replaces */
      updates?: Record<string, string>;
      /** state names reset to zeros after the run (gradient accumulators) */
      zeroAfter?: string[];
    }
  | { type: 'close' };

export type Response = { id: number; ok: true; value: unknown; ms?: number } | { id: number; ok: false; error: string; userError: boolean };
