/**
 * One model as the server exposes it: input checking, the cache, the dynamic batcher, the
 * predictor behind it, and the per-instance energy of each answer.
 */
import type { ModelManifest } from '../registry/manifest.js';
import type { TextEncoder } from '../tokenizers/index.js';
import { Batcher, QueueFullError, type BatcherOptions } from './batcher.js';
import { cacheKey, type PredictionCache } from './cache.js';
import { addEnergy, NO_ENERGY, type Energy, type EnergyAccountant } from './energy.js';
import { instancesOf, parseTabularInstance, parseTextInstance, type Instance, type InstanceLimits, type ParsedInstance, modelInputIdentity } from './instances.js';
import type { BatchRows } from './protocol.js';
import type { Predictor, RowAnswer } from './predictors.js';
import { WorkerDiedError } from './model-worker.js';
import { ModelUnavailableError } from './worker-group.js';
import { RequestError } from './request-error.js';
import type { ServeMetrics } from './serve-metrics.js';

export interface InstanceResult {
  label: string;
  probabilities: number[];
  exit?: number;
  answeredBy?: 'small' | 'large';
  cached: boolean;
  energy: Energy;
}

type Answered = RowAnswer & { energy: Energy };

/** Weight of the newest request in the cache's moving hit ratio (about the last 50 requests). */
const HIT_RATIO_ALPHA = 0.02;

export interface ServedModelDeps {
  metrics: ServeMetrics;
  energy: EnergyAccountant;
  cache: PredictionCache | null;
  batching: BatcherOptions;
  limits: InstanceLimits;
  timeoutMs: number;
}

export class ServedModel {
  readonly manifest: ModelManifest;
  private readonly batcher: Batcher<Instance, Answered>;
  private hitRatio = 0;
  /** Inference errors already written to the log. */
  private readonly logged = new WeakSet<object>();
  /**
   * What this object (one loaded version) answered and the energy it used, cumulative: the run store
   * records every version a session served from these, swapped-out ones too (the Prometheus
   * counters are per model name, summed over its versions).
   */
  readonly totals = { instances: 0, energyJ: 0, co2eGrams: 0, method: null as string | null };

  constructor(
    readonly name: string,
    readonly version: string,
    /** Everything that changes this model's answers (version, exit threshold, cascade threshold). */
    readonly cacheScope: string,
    readonly predictor: Predictor,
    private readonly tokenizer: TextEncoder | null,
    private readonly deps: ServedModelDeps,
    /** What GET /v1/models says about it beyond name and version. */
    readonly info: Record<string, unknown> = {},
  ) {
    this.manifest = predictor.manifest;
    // Text batches are padded to their longest member, so the batcher groups texts of similar length
    // (characters stand in for tokens: known here without tokenising); tabular rows need no padding.
    const sizeOf = this.manifest.task === 'text-classification' ? (x: Instance) => (x.kind === 'text' ? x.text.length : 0) : null;
    this.batcher = new Batcher(deps.batching, (inputs) => this.runBatch(inputs), (size) => deps.metrics.batchSize.observe({ model: name }, size), sizeOf);
  }

  get queueDepth(): number {
    return this.batcher.depth;
  }

  /** Tokens the model receives for a normalised text (usage statistics; only for the texts a sample keeps). */
  tokenCount(text: string): number {
    return this.tokenizer ? this.tokenizer.encode(text, { maxLength: this.manifest.text?.maxLength ?? this.tokenizer.maxLength }).length : 0;
  }

  /** Share of recent instances the cache answered (moving average; 0 without a cache). */
  get recentCacheHitRatio(): number {
    return this.hitRatio;
  }

  parse(body: unknown): ParsedInstance[] {
    const list = instancesOf(body, this.deps.limits);
    return list.map((raw, i) =>
      this.manifest.task === 'text-classification'
        ? parseTextInstance(raw, i, this.manifest, this.deps.limits, this.tokenizer)
        : parseTabularInstance(raw, i, this.manifest),
    );
  }

  private async runBatch(inputs: Instance[]): Promise<Answered[]> {
    const rows: BatchRows =
      inputs[0]!.kind === 'text'
        ? { kind: 'text', texts: inputs.map((x) => (x as { text: string }).text) }
        : { kind: 'tabular', features: inputs.map((x) => (x as { features: Float32Array }).features) };
    const t0 = performance.now();
    const { result, charge } = await this.deps.energy.measure(`batch:${this.name}`, () => this.predictor.run(rows));
    // Each row pays for the inference compute it used (its stages, its models), not an even share.
    const rowEnergy = result.map((r) => charge(r.cpuS ?? 0));
    const energy = rowEnergy.reduce(addEnergy, NO_ENERGY);
    const m = this.deps.metrics;
    m.batchSeconds.observe({ model: this.name }, (performance.now() - t0) / 1000);
    if (result[0]?.paddedLength) m.paddedLength.observe({ model: this.name }, result[0].paddedLength);
    m.energy.inc({ model: this.name, component: 'cpu', method: energy.method }, energy.energyJ);
    m.co2e.inc({ model: this.name, method: energy.method }, energy.co2eGrams);
    this.totals.energyJ += energy.energyJ;
    this.totals.co2eGrams += energy.co2eGrams;
    this.totals.method = energy.method;
    return result.map((r, i) => {
      if (r.exit !== undefined) m.exits.inc({ model: this.name, exit: String(r.exit) });
      if (r.answeredBy) m.cascade.inc({ model: this.name, answered_by: r.answeredBy });
      return { ...r, energy: rowEnergy[i]! };
    });
  }

  /** Answer parsed instances: cache first, then the batcher; 429 when the queue is full, 504 past the timeout. */
  async predict(parsed: ParsedInstance[]): Promise<InstanceResult[]> {
    const m = this.deps.metrics;
    const labels = this.manifest.labels;
    const keys = this.deps.cache ? parsed.map((p) => cacheKey(this.cacheScope, modelInputIdentity(p.input))) : [];
    const cached = this.deps.cache ? await this.deps.cache.getMany(keys) : parsed.map(() => undefined);
    const results: Array<InstanceResult | undefined> = cached.map((c) => (c ? { label: c.label, probabilities: c.probabilities, cached: true, energy: NO_ENERGY } : undefined));
    const missIdx = results.flatMap((r, i) => (r ? [] : [i]));
    if (this.deps.cache) {
      this.hitRatio += HIT_RATIO_ALPHA * ((parsed.length - missIdx.length) / parsed.length - this.hitRatio);
      m.cacheHits.inc({ model: this.name }, parsed.length - missIdx.length);
      m.cacheMisses.inc({ model: this.name }, missIdx.length);
    }
    m.instances.inc({ model: this.name, source: 'cache' }, parsed.length - missIdx.length);
    this.totals.instances += parsed.length - missIdx.length;
    if (missIdx.length > this.deps.batching.maxQueue) {
      throw new RequestError(413, 'instances', `${missIdx.length} uncached instances can never fit the queue of ${this.deps.batching.maxQueue} (--max-queue)`);
    }
    if (missIdx.length > 0) {
      let queued;
      try {
        queued = this.batcher.submit(missIdx.map((i) => parsed[i]!.input));
      } catch (err) {
        if (err instanceof QueueFullError) throw this.queueFullError(err.retryAfterS);
        throw err;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          queued.forEach((q) => (q.item.cancelled = true));
          m.rejected.inc({ model: this.name, reason: 'timeout' });
          reject(new RequestError(504, null, `model "${this.name}" did not answer within ${this.deps.timeoutMs} ms (--timeout-ms)`));
        }, this.deps.timeoutMs);
      });
      try {
        const answers = await Promise.race([Promise.all(queued.map((q) => q.done)), timeout]);
        m.instances.inc({ model: this.name, source: 'inference' }, answers.length);
        this.totals.instances += answers.length;
        const toCache: Array<[string, { label: string; probabilities: number[] }]> = [];
        answers.forEach((a, j) => {
          const i = missIdx[j]!;
          const best = a.probabilities.indexOf(Math.max(...a.probabilities));
          const r: InstanceResult = { label: labels[best]!, probabilities: a.probabilities, exit: a.exit, answeredBy: a.answeredBy, cached: false, energy: a.energy };
          results[i] = r;
          toCache.push([keys[i]!, { label: r.label, probabilities: r.probabilities }]);
        });
        if (this.deps.cache) await this.deps.cache.setMany(toCache);
      } catch (err) {
        throw this.answerable(err);
      } finally {
        clearTimeout(timer);
      }
    }
    return results as InstanceResult[];
  }

  /** Able to answer now: every model it needs has a live inference worker (GET /readyz). */
  get canServe(): boolean {
    return this.predictor.live;
  }

  /**
   * What a client is told when inference fails: 503 while no worker is alive (or the retry's worker
   * died too), else 500, never ONNX Runtime's own message (it names graph internals). The details
   * go to the server's log, once per failed batch (its requests share one error).
   */
  private answerable(err: unknown): RequestError {
    if (err instanceof RequestError) return err;
    if (!this.logged.has(err as object)) {
      if (typeof err === 'object' && err !== null) this.logged.add(err);
      process.stderr.write(`verde serve: ${this.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    if (err instanceof ModelUnavailableError || err instanceof WorkerDiedError) {
      return new RequestError(503, null, `model "${this.name}" has no running inference worker right now (restarting); retry shortly`, { 'retry-after': '1' });
    }
    return new RequestError(500, null, `model "${this.name}" failed to run this batch (the server's log has the details)`);
  }

  /** The 429 for a full queue (counted in verde_rejected_total). */
  queueFullError(retryAfterS = this.batcher.retryAfterS()): RequestError {
    this.deps.metrics.rejected.inc({ model: this.name, reason: 'queue_full' });
    return new RequestError(429, null, `model "${this.name}" is at capacity (queue full); retry after ${retryAfterS} s`, { 'retry-after': String(retryAfterS) });
  }

  /** Finish everything queued (graceful shutdown). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }
}
