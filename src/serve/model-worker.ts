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
  /** Per row, the worker thread's CPU seconds spent on it (0 where the thread's time cannot be read). */
  rowCpuS: number[];
}

/** A worker that dies after it was ready is restarted, at most this many times per minute. */
const MAX_RESTARTS_PER_MINUTE = 3;

export class ModelWorker {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;
  private closing = false;
  private restarts: number[] = [];
  /** How many early-exit stages the worker runs (0: the whole model.onnx). */
  stages = 0;
  readonly ready: Promise<void>;

  constructor(readonly dir: string, readonly manifest: ModelManifest, private readonly threads: number, private readonly exitThreshold: number | null) {
    this.ready = this.start();
  }

  private start(): Promise<void> {
    const init: WorkerInit = { dir: this.dir, manifest: this.manifest, threads: this.threads, exitThreshold: this.exitThreshold };
    const worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: init });
    this.worker = worker;
    let wasReady = false;
    return new Promise((resolve, reject) => {
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          this.stages = msg.stages;
          this.dead = null;
          wasReady = true;
          resolve();
        } else if (msg.type === 'fatal') {
          this.fail(new Error(`${this.dir}: ${msg.message}`));
          reject(this.dead);
        } else {
          const p = this.pending.get(msg.id);
          if (!p) return;
          this.pending.delete(msg.id);
          if (msg.type === 'result') p.resolve(msg);
          else p.reject(new Error(`${this.manifest.name}: inference failed: ${msg.message}`));
        }
      });
      worker.on('error', (err) => {
        this.fail(err);
        reject(err);
      });
      worker.on('exit', (code) => {
        this.fail(new Error(`${this.manifest.name}: inference worker exited (code ${code})`));
        reject(this.dead);
        // A worker that served and then died (out of memory, a native crash) comes back, so one bad
        // moment does not turn every later request into a 500; a worker that keeps dying stays down.
        const now = Date.now();
        this.restarts = this.restarts.filter((t) => now - t < 60_000);
        if (wasReady && !this.closing && this.restarts.length < MAX_RESTARTS_PER_MINUTE) {
          this.restarts.push(now);
          process.stderr.write(`verde serve: ${this.manifest.name}: inference worker exited (code ${code}); restarting\n`);
          this.start().catch(() => undefined);
        }
      });
    });
  }

  private fail(err: Error): void {
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
    return { probabilities, exits, paddedLength: res.paddedLength, rowCpuS: res.rowCpuS ? Array.from(res.rowCpuS) : new Array<number>(n).fill(0) };
  }

  async close(): Promise<void> {
    this.closing = true;
    this.dead ??= new Error(`${this.manifest.name}: closed`);
    await this.worker.terminate();
  }
}
