/**
 * The main thread's handle on one inference worker: start it, send it batches, get promises back,
 * and bring it back when it dies.
 *
 * Two rules keep the process alive whatever a worker does:
 * - a worker is never terminated while it is loading: terminating a thread whose ONNX Runtime
 *   session is being created (and failing, say on a truncated model.onnx) throws a C++ Napi::Error
 *   out of the addon and aborts the whole process (exit 134). close() waits for the load to settle,
 *   then asks the worker to finish and exit; terminate() is only the fallback for one that will not.
 * - a worker that dies after it was ready is restarted with exponential backoff and no limit on the
 *   number of restarts (a model must not stay down for good because its workers died a few times);
 *   the batches it held fail with WorkerDiedError, which the worker group retries on another worker.
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

/** The batch was lost because its worker died (not because the model failed on it): safe to retry. */
export class WorkerDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerDiedError';
  }
}

/** Restart delay after the first death; doubles with each death in the last minute, up to MAX. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 30_000;
const DEATH_WINDOW_MS = 60_000;
/** How long close() waits for a worker to exit by itself before terminating it. */
const CLOSE_GRACE_MS = 5_000;

/** Delay before restarting a worker that died `deathsInWindow` times in the last minute (>= 1). */
export function restartDelayMs(deathsInWindow: number): number {
  return Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.max(0, deathsInWindow - 1));
}

export class ModelWorker {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  /** Why the worker cannot take a batch now (null while it is ready). */
  private dead: Error | null = null;
  /** `dead` while a thread is loading; replaced by the reason when it fails. */
  private starting: Error | null = null;
  private closing = false;
  private deaths: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  /** The current thread's load: settles once it is ready or has failed (never rejects). */
  private loading: Promise<void> = Promise.resolve();
  /** Resolves when the current thread has exited. */
  private exited: Promise<void> = Promise.resolve();
  private running = false;
  /** How many early-exit stages the worker runs (0: the whole model.onnx). */
  stages = 0;
  /** The first load: resolves when the worker is ready, rejects when it cannot load the model. */
  readonly ready: Promise<void>;
  /** Called whenever the worker becomes ready (at start and after each restart). */
  onLive: () => void = () => {};

  constructor(readonly dir: string, readonly manifest: ModelManifest, private readonly threads: number, private readonly exitThreshold: number | null) {
    this.ready = this.start();
  }

  /** Ready to take a batch now. */
  get live(): boolean {
    return this.dead === null;
  }

  private start(): Promise<void> {
    const init: WorkerInit = { dir: this.dir, manifest: this.manifest, threads: this.threads, exitThreshold: this.exitThreshold };
    const worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: init });
    this.worker = worker;
    this.running = true;
    this.starting = this.dead = new WorkerDiedError(`${this.manifest.name}: inference worker is starting`);
    let wasReady = false;
    let settleLoad!: () => void;
    this.loading = new Promise<void>((r) => (settleLoad = r));
    let markExited!: () => void;
    this.exited = new Promise<void>((r) => (markExited = r));
    return new Promise((resolve, reject) => {
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          this.stages = msg.stages;
          this.dead = null;
          wasReady = true;
          settleLoad();
          resolve();
          this.onLive();
        } else if (msg.type === 'fatal') {
          // The worker ends by itself after this (nothing keeps its event loop alive).
          const err = new Error(`${this.dir}: ${msg.message}`);
          this.fail(err);
          settleLoad();
          reject(err);
        } else {
          const p = this.pending.get(msg.id);
          if (!p) return;
          this.pending.delete(msg.id);
          if (msg.type === 'result') p.resolve(msg);
          else p.reject(new Error(`${this.manifest.name}: inference failed: ${msg.message}`));
        }
      });
      worker.on('error', (err) => {
        this.fail(new WorkerDiedError(`${this.manifest.name}: inference worker failed: ${err.message}`));
        reject(err);
      });
      worker.on('exit', (code) => {
        this.running = false;
        settleLoad();
        markExited();
        this.fail(new WorkerDiedError(`${this.manifest.name}: inference worker exited (code ${code})`));
        reject(this.dead);
        // A worker that served and then died (out of memory, killed) comes back, however often, but
        // later each time it dies again within a minute; one that never loaded is a bad model
        // directory, reported by `ready` (serve refuses to start), not retried.
        if (this.closing || (!wasReady && this.deaths.length === 0)) return;
        const now = Date.now();
        this.deaths = this.deaths.filter((t) => now - t < DEATH_WINDOW_MS);
        this.deaths.push(now);
        const delay = restartDelayMs(this.deaths.length);
        process.stderr.write(`verde serve: ${this.manifest.name}: inference worker exited (code ${code}); restarting in ${delay} ms\n`);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (!this.closing) this.start().catch(() => undefined);
        }, delay);
      });
    });
  }

  private fail(err: Error): void {
    if (!this.dead || this.dead === this.starting) this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send(rows: BatchRows, traceStages: boolean): Promise<RunResult> {
    if (this.dead) return Promise.reject(this.dead instanceof WorkerDiedError || this.closing ? this.dead : new WorkerDiedError(`${this.manifest.name}: inference worker is not running (${this.dead.message})`));
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

  /** Stop the worker: wait for a load in progress to settle, ask it to exit, terminate it only if it will not. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.dead = new Error(`${this.manifest.name}: closed`);
    await this.loading;
    if (!this.running) return;
    this.worker.postMessage({ type: 'close' });
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), CLOSE_GRACE_MS)));
    const late = await Promise.race([this.exited.then(() => false), gaveUp]);
    clearTimeout(timer);
    if (late) await this.worker.terminate();
  }
}
