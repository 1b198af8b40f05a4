/**
 * The main thread's handle on one inference worker: start it, send it batches, get promises back.
 */
import { Worker } from 'node:worker_threads';
import type { ModelManifest } from '../registry/manifest.js';
import type { BatchRows, RunResult, WorkerInit, WorkerReply } from './protocol.js';

export interface BatchOutput {
  /** Per row, the class probabilities. */
  probabilities: number[][];
  /** Per row, the early-exit stage that answered (undefined when the model ran whole). */
  exits: Array<number | undefined>;
  paddedLength: number;
}

export class ModelWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;
  /** How many early-exit stages the worker runs (0: the whole model.onnx). */
  stages = 0;
  readonly ready: Promise<void>;

  constructor(readonly dir: string, readonly manifest: ModelManifest, threads: number, exitThreshold: number | null) {
    const init: WorkerInit = { dir, manifest, threads, exitThreshold };
    this.worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: init });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          this.stages = msg.stages;
          resolve();
        } else if (msg.type === 'fatal') {
          this.die(new Error(`${dir}: ${msg.message}`));
          reject(this.dead);
        } else {
          const p = this.pending.get(msg.id);
          if (!p) return;
          this.pending.delete(msg.id);
          if (msg.type === 'result') p.resolve(msg);
          else p.reject(new Error(`${manifest.name}: inference failed: ${msg.message}`));
        }
      });
      this.worker.on('error', (err) => {
        this.die(err);
        reject(err);
      });
      this.worker.on('exit', (code) => this.die(new Error(`${manifest.name}: inference worker exited (code ${code})`)));
    });
  }

  private die(err: Error): void {
    if (!this.dead) this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send(rows: BatchRows, traceStages: boolean): Promise<RunResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'run', id, rows, traceStages });
    });
  }

  /** Calibration: every row through every early-exit stage; per stage, per row, the probabilities. */
  async traceStages(rows: BatchRows): Promise<number[][][]> {
    const res = await this.send(rows, true);
    const nLabels = this.manifest.labels.length;
    return (res.stageProbabilities ?? []).map((p) => {
      const out: number[][] = [];
      for (let i = 0; i < p.length / nLabels; i++) out.push(Array.from(p.subarray(i * nLabels, (i + 1) * nLabels)));
      return out;
    });
  }

  async run(rows: BatchRows): Promise<BatchOutput> {
    const res = await this.send(rows, false);
    const nLabels = this.manifest.labels.length;
    const n = res.probabilities.length / nLabels;
    const probabilities: number[][] = [];
    for (let i = 0; i < n; i++) probabilities.push(Array.from(res.probabilities.subarray(i * nLabels, (i + 1) * nLabels)));
    const exits = res.exits.length === n ? Array.from(res.exits) : new Array<number | undefined>(n).fill(undefined);
    return { probabilities, exits, paddedLength: res.paddedLength };
  }

  async close(): Promise<void> {
    this.dead ??= new Error(`${this.manifest.name}: closed`);
    await this.worker.terminate();
  }
}
