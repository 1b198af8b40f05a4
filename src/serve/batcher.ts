/**
 * Dynamic batching with NVIDIA Triton's semantics (guide §3.4.1.2 and §3.4.1.4): instances queue per
 * model; a batch is dispatched as soon as `maxBatchSize` instances wait, or once the oldest queued
 * instance has waited `maxQueueDelayMs`, whichever comes first, and only when the model is free
 * (one batch in flight per model, like one Triton instance). The queue is bounded: a request whose
 * instances do not fit is refused at once (the server answers 429), so overload sheds load instead
 * of growing latency without end. Instances whose request timed out are dropped before they run.
 *
 * Length-aware batch forming (text): a text batch is padded to its longest member and ONNX Runtime's
 * cost grows with the padded tokens, so on a small model a FIFO batch of mixed lengths spends about
 * a third of its compute on padding (measured on the offline default model: 40 padded tokens per row
 * in FIFO batches of 8 against 26 real ones). When more instances wait than one batch takes, the
 * batch is the oldest instance plus the queued ones nearest to it in size (`sizeOf`), looking at
 * the oldest LOOKAHEAD_BATCHES batches' worth only. The oldest instance always goes, and once any
 * instance has been passed over LOOKAHEAD_BATCHES times the next batch is taken in arrival order, so
 * no instance is passed over more than about twice the lookahead. Interleaved A/B at concurrency
 * 64 (wrk, 2 shared vCPUs): +15-25 % req/s and -15-20 % server CPU per request against FIFO.
 */

export interface QueueItem<I, O> {
  input: I;
  enqueuedAt: number;
  resolve: (out: O) => void;
  reject: (err: Error) => void;
  /** Set when the request gave up (timeout): the item is skipped instead of run. */
  cancelled: boolean;
  /** Batches formed by size that left this item waiting (bounds its wait; see takeBatch). */
  passedOver?: number;
}

export interface BatcherOptions {
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** Most instances waiting (not counting the batch in flight). */
  maxQueue: number;
}

/**
 * How many batches' worth of the oldest queued instances length-aware forming chooses among. Four
 * gets nearly all of the padding saving of eight (29.8 against 29.3 padded tokens per row, FIFO
 * 40.3, offline default model at concurrency 64) with a shorter tail. It is also how many times an
 * instance may be passed over before the next batch is taken in arrival order.
 */
const LOOKAHEAD_BATCHES = 4;

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
    /** Padding cost of an input (text: its length); when given, batches group similar sizes. */
    private readonly sizeOf: ((input: I) => number) | null = null,
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

  /** The next batch, taken out of the queue: FIFO, or length-aware when `sizeOf` is set and there is a choice. */
  private takeBatch(): Array<QueueItem<I, O>> {
    const max = this.opts.maxBatchSize;
    const q = this.queue;
    if (this.sizeOf && q.length > max) {
      const window = q.slice(0, Math.min(q.length, LOOKAHEAD_BATCHES * max)).filter((x) => !x.cancelled);
      // An older instance is passed over at least as often as a younger one, so the due ones are the
      // oldest: arrival order takes them first.
      const due = window.some((x) => (x.passedOver ?? 0) >= LOOKAHEAD_BATCHES);
      if (window.length > max && !due) {
        const size = this.sizeOf;
        const sized = window.map((item, i) => ({ item, s: size(item.input), i })).sort((a, b) => a.s - b.s || a.i - b.i);
        const p = sized.findIndex((x) => x.i === 0);
        // The run of `max` consecutive sizes that holds the oldest instance and spans the least.
        let best = Math.max(0, p - max + 1);
        for (let start = best; start <= Math.min(p, sized.length - max); start++) {
          if (sized[start + max - 1]!.s - sized[start]!.s < sized[best + max - 1]!.s - sized[best]!.s) best = start;
        }
        const chosen = new Set(sized.slice(best, best + max).map((x) => x.item));
        const batch = window.filter((x) => chosen.has(x));
        for (const x of window) if (!chosen.has(x)) x.passedOver = (x.passedOver ?? 0) + 1;
        // Drop the chosen and the cancelled from the queue, keeping the others in arrival order.
        let w = 0;
        for (const item of q) if (!chosen.has(item) && !item.cancelled) q[w++] = item;
        q.length = w;
        return batch;
      }
    }
    const batch: Array<QueueItem<I, O>> = [];
    while (batch.length < max && q.length > 0) {
      const item = q.shift()!;
      if (!item.cancelled) batch.push(item);
    }
    return batch;
  }

  private async dispatch(): Promise<void> {
    let batch: Array<QueueItem<I, O>>;
    try {
      batch = this.takeBatch();
    } catch (err) {
      // A throwing sizeOf must fail these requests, not become an unhandled rejection.
      const failed = this.queue.splice(0);
      failed.forEach((b) => b.reject(err as Error));
      return this.schedule();
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
