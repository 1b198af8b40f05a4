/**
 * What `/metrics` reports (Prometheus text): traffic, batching, queueing, caching, early exits,
 * cascade shares, and energy per model with its method, so that a dashboard shows the guide's
 * §3.4.4 figures (energy per inference, per correct prediction) next to latency.
 */
import { ComputedGauge, Counter, Gauge, Histogram, ReadCounter, Registry, WindowSummary } from './metrics.js';

export interface QueueSource {
  name: string;
  depth(): number;
}

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests = this.registry.add(new Counter('verde_requests_total', 'HTTP requests to predict/feedback by model and status code.'));
  readonly instances = this.registry.add(new Counter('verde_instances_total', 'Instances predicted, by model and source (inference or cache).'));
  readonly batchSize = this.registry.add(new Histogram('verde_batch_size', 'Instances per inference batch.', [1, 2, 4, 8, 16, 32, 64, 128]));
  readonly batchSeconds = this.registry.add(new Histogram('verde_batch_duration_seconds', 'Wall time of one inference batch.', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]));
  readonly paddedLength = this.registry.add(new Histogram('verde_batch_padded_tokens', 'Padded sequence length of text batches (padded to the longest member).', [8, 16, 32, 64, 128, 256, 512]));
  readonly cacheHits = this.registry.add(new Counter('verde_cache_hits_total', 'Instances answered from the cache.'));
  readonly cacheMisses = this.registry.add(new Counter('verde_cache_misses_total', 'Instances the cache did not hold.'));
  readonly cacheUp = this.registry.add(new Gauge('verde_cache_up', 'A shared (Redis) cache: 1 while connected, 0 while it is down (lookups are misses).'));
  readonly cacheOutages = this.registry.add(new Counter('verde_cache_outages_total', 'Times the shared (Redis) cache connection was lost.'));
  readonly exits = this.registry.add(new Counter('verde_early_exits_total', 'Instances answered by each early-exit stage (exit="0" is the first).'));
  readonly cascade = this.registry.add(new Counter('verde_cascade_answers_total', 'Cascade instances answered by the small or the large model.'));
  readonly rejected = this.registry.add(new Counter('verde_rejected_total', 'Requests refused: queue_full (429) or timeout (504).'));
  readonly energy = this.registry.add(new Counter('verde_energy_joules_total', 'Inference energy attributed to each model (PUE applied), by component (cpu: charged by the inference CPU time of its rows) and how it was obtained (method).'));
  readonly processEnergy = this.registry.add(new ReadCounter('verde_process_energy_joules_total', 'Energy of the whole server process since start (HTTP handling and idle included, PUE applied), by component (cpu, ram, gpu) and method.'));
  readonly processEnergyParts = this.registry.add(new ReadCounter('verde_process_energy_parts_joules_total', 'The server process energy in parts that add up to verde_process_energy_joules_total: batches (charged to requests by inference CPU time), cpu-outside-batches (HTTP handling, JSON, batching, idle), memory-held, gpu-whole-device; with component and method.'));
  readonly co2e = this.registry.add(new Counter('verde_co2e_grams_total', 'Carbon of that energy at the configured grid intensity.'));
  readonly feedbackTotal = this.registry.add(new Counter('verde_feedback_predictions_total', 'Predictions whose true label was posted to :feedback.'));
  readonly feedbackCorrect = this.registry.add(new Counter('verde_feedback_correct_total', 'Of those, the correct ones.'));
  readonly feedbackEnergy = this.registry.add(new Counter('verde_feedback_energy_joules_total', 'Energy of the predictions with feedback, by model, component and method.'));
  readonly feedbackStoreBytes = this.registry.add(new Gauge('verde_feedback_store_bytes', 'Estimated memory of the predictions kept for :feedback.'));
  readonly feedbackStoreLimit = this.registry.add(new Gauge('verde_feedback_store_limit_bytes', 'Bound of that memory (--feedback-limit); the oldest predictions are forgotten first.'));
  readonly feedbackStoreEntries = this.registry.add(new Gauge('verde_feedback_store_predictions', 'Predictions kept for :feedback.'));
  readonly feedbackEvicted = this.registry.add(new Counter('verde_feedback_evicted_total', 'Predictions forgotten to keep the :feedback store within its bound.'));
  readonly energyPerCorrect = this.registry.add(new Gauge('verde_energy_per_correct_prediction_joules', 'Energy of the predictions with feedback divided by the correct ones among them.'));
  readonly latency = this.registry.add(new WindowSummary('verde_request_latency_seconds', 'Latency of answered (2xx) predict requests over the last 10,000.'));
  // Buckets every 50-100 ms up to half a second: bench-serve reads the overload run's admitted p99
  // off this histogram (between two scrapes), so the budget range needs resolution.
  readonly latencyHist = this.registry.add(new Histogram('verde_request_duration_seconds', 'Latency of answered (2xx) predict requests.', [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10]));

  constructor(queues: () => QueueSource[]) {
    this.registry.add(new ComputedGauge('verde_queue_depth', 'Instances waiting in the model\'s batching queue.', () => queues().map((q) => ({ labels: { model: q.name }, value: q.depth() }))));
    this.registry.add(
      new ComputedGauge('verde_cache_hit_ratio', 'Cache hits / lookups since start.', () =>
        queues().map((q) => {
          const h = this.cacheHits.get({ model: q.name });
          const m = this.cacheMisses.get({ model: q.name });
          return { labels: { model: q.name }, value: h + m > 0 ? h / (h + m) : 0 };
        }),
      ),
    );
    this.registry.add(
      new ComputedGauge('verde_cascade_small_share', 'Share of cascade instances the small model answered.', () =>
        queues()
          .filter((q) => this.cascade.sum({ model: q.name }) > 0)
          .map((q) => ({ labels: { model: q.name }, value: this.cascade.get({ model: q.name, answered_by: 'small' }) / this.cascade.sum({ model: q.name }) })),
      ),
    );
    this.registry.add(
      new ComputedGauge('verde_energy_per_instance_joules', 'Mean inference energy per predicted instance (cache hits count as zero).', () =>
        queues()
          .filter((q) => this.instances.sum({ model: q.name }) > 0)
          .map((q) => ({ labels: { model: q.name }, value: this.energy.sum({ model: q.name }) / this.instances.sum({ model: q.name }) })),
      ),
    );
  }

  render(): string {
    return this.registry.render();
  }
}
