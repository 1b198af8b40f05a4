/**
 * Dynamic batching with NVIDIA Triton's semantics (guide §3.4.1.2 and §3.4.1.4): instances queue per
 * model; a batch is dispatched as soon as `maxBatchSize` instances wait, or once the oldest queued
 * instance has waited `maxQueueDelayMs`, whichever comes first, and only when the model is free
 * (one batch in flight per model, like one Triton instance). The queue is bounded: a request whose
 * instances do not fit is refused at once (the server answers 429), so overload sheds load instead
 * of growing latency without end. Instances whose request timed out are dropped before they run.
 */

export interface QueueItem<I, O> {
  input: I;
  enqueuedAt: number;
  resolve: (out: O) => void;
  reject: (err: Error) => void;
  /** Set when the request gave up (timeout): the item is skipped instead of run. */
  cancelled: boolean;
}

export interface BatcherOptions {
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** Most instances waiting (not counting the batch in flight). */
  maxQueue: number;
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterS: number) {
    super('queue full');
  }
}

export class Batcher<I, O> {
  private readonly queue: Array<QueueItem<I, O>> = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  /** Exponentially weighted mean seconds per batch, for Retry-After. */
  private meanBatchS = 0.01;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly runBatch: (inputs: I[]) => Promise<O[]>,
    private readonly onBatch: (size: number) => void = () => {},
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  /** Queue several instances (one request) together: all fit or none is queued. */
  submit(inputs: I[]): Array<{ item: QueueItem<I, O>; done: Promise<O> }> {
    if (this.queue.length + inputs.length > this.opts.maxQueue) throw new QueueFullError(this.retryAfterS());
    const now = performance.now();
    const out = inputs.map((input) => {
      let item!: QueueItem<I, O>;
      const done = new Promise<O>((resolve, reject) => {
        item = { input, enqueuedAt: now, resolve, reject, cancelled: false };
      });
      this.queue.push(item);
      return { item, done };
    });
    this.schedule();
    return out;
  }

  /** Seconds a refused client should wait: the time to work through the queue, at least 1. */
  retryAfterS(): number {
    return Math.max(1, Math.ceil((this.queue.length / this.opts.maxBatchSize) * this.meanBatchS));
  }

  private schedule(): void {
    if (this.busy) return;
    while (this.queue.length > 0 && this.queue[0]!.cancelled) this.queue.shift();
    if (this.queue.length === 0) {
      this.clearTimer();
      this.idleWaiters.splice(0).forEach((w) => w());
      return;
    }
    const waited = performance.now() - this.queue[0]!.enqueuedAt;
    if (this.draining || this.queue.length >= this.opts.maxBatchSize || waited >= this.opts.maxQueueDelayMs) {
      this.clearTimer();
      void this.dispatch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, Math.max(0, this.opts.maxQueueDelayMs - waited));
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async dispatch(): Promise<void> {
    const batch: Array<QueueItem<I, O>> = [];
    while (batch.length < this.opts.maxBatchSize && this.queue.length > 0) {
      const item = this.queue.shift()!;
      if (!item.cancelled) batch.push(item);
    }
    if (batch.length === 0) return this.schedule();
    this.busy = true;
    const t0 = performance.now();
    try {
      this.onBatch(batch.length);
      const outs = await this.runBatch(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(outs[i]!));
    } catch (err) {
      batch.forEach((b) => b.reject(err as Error));
    } finally {
      this.meanBatchS = 0.8 * this.meanBatchS + 0.2 * ((performance.now() - t0) / 1000);
      this.busy = false;
      this.schedule();
    }
  }

  /** Run everything queued now, without waiting for the delay, and resolve once the queue is empty. */
  drain(): Promise<void> {
    this.draining = true;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.schedule();
    return this.busy || this.queue.length > 0 ? idle : Promise.resolve();
  }
}
