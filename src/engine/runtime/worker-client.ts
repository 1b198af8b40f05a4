/** Main-thread handle on an engine worker: request/response over postMessage, promise per request. */
import { Worker } from 'node:worker_threads';
import { UserError } from '../../util/errors.js';
import type { HostTensor } from '../types.js';
import type { DeviceOptions } from './ort.js';
import type { Request, Response } from './protocol.js';

export class WorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** Milliseconds the last request spent inside the worker (ORT time, without messaging). */
  lastMs = 0;

  private constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url));
    this.worker.on('message', (msg: Response) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) {
        this.lastMs = msg.ms ?? 0;
        p.resolve(msg.value);
      } else p.reject(msg.userError ? new UserError(msg.error) : new Error(msg.error));
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`engine worker exited with code ${code}`));
    });
  }

  static async start(device: DeviceOptions): Promise<WorkerClient> {
    const c = new WorkerClient();
    await c.request({ type: 'init', device });
    return c;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  request<T = unknown>(req: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('engine worker is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req }, transfer);
    });
  }

  load(name: string, model: Uint8Array): Promise<void> {
    return this.request({ type: 'load', name, model });
  }

  run(model: string, feeds: Record<string, HostTensor>, fetch: string[]): Promise<Record<string, HostTensor>> {
    return this.request({ type: 'run', model, feeds, fetch });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.request({ type: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }
}
