/** Messages between the main thread (WorkerClient) and the engine worker (worker.ts). */
import type { DeviceOptions } from './ort.js';
import type { StepScalars, UpdatePlan } from '../optim.js';
import type { HostTensor } from '../types.js';

export type Request =
  | { type: 'init'; device: DeviceOptions }
  | { type: 'load'; name: string; model: Uint8Array }
  | { type: 'unload'; name: string }
  | { type: 'setState'; tensors: Record<string, HostTensor>; zeros?: Record<string, number[]> }
  | { type: 'getState'; names: string[] }
  | { type: 'run'; model: string; feeds: Record<string, HostTensor>; /** outputs returned to the caller */ fetch: string[] }
  | { type: 'plan'; plan: UpdatePlan }
  | {
      /** Run the gradient model, then accumulate / clip / update in place by the plan (optim.ts). */
      type: 'trainStep';
      model: string;
      feeds: Record<string, HostTensor>;
      fetch: string[];
      /** Whether this micro-batch ends an update (else its gradients are only accumulated). */
      apply: boolean;
      scalars?: StepScalars;
    }
  | { type: 'close' };

export type Response = { id: number; ok: true; value: unknown; ms?: number } | { id: number; ok: false; error: string; userError: boolean };

/** What a trainStep request answers. */
export interface TrainStepReply {
  outputs: Record<string, HostTensor>;
  /** Global gradient norm before clipping (applied steps of a plan that clips). */
  gradNorm?: number;
}
