/**
 * A finished scoring job as Prometheus text, for the Pushgateway (--push). Local: the meter's own
 * exposition of the run (verde_energy_joules_total by component and method, ...) plus the job's
 * rows and rate. Queue: the workers' energy summed per worker, each with its method label.
 */
import { metricFamily, prometheusText, type EnergyReport } from '../meter/index.js';
import type { QueueScoreResult } from './producer.js';
import type { QueueWorkerSummary } from './queue-worker.js';

interface JobFigures {
  model: string;
  rows: number;
  seconds: number;
  energyJ: number;
}

function jobLines(f: JobFigures, method: string): string[] {
  const l = { model: f.model };
  return [
    ...metricFamily('verde_score_rows_total', 'counter', 'Rows scored by the job.', [[l, f.rows]]),
    ...metricFamily('verde_score_duration_seconds', 'gauge', 'Seconds the job spent scoring.', [[l, f.seconds]]),
    ...metricFamily('verde_score_rows_per_second', 'gauge', 'Rows scored per second.', [[l, f.seconds > 0 ? f.rows / f.seconds : NaN]]),
    ...metricFamily('verde_score_joules_per_1000_rows', 'gauge', 'Energy per 1,000 rows scored, joules.', [[{ ...l, method }, f.rows > 0 ? (1000 * f.energyJ) / f.rows : NaN]]),
  ];
}

export function localScoreMetrics(model: string, rows: number, seconds: number, energy: EnergyReport): string {
  return prometheusText(energy) + jobLines({ model, rows, seconds, energyJ: energy.energyJ }, energy.method).join('\n') + '\n';
}

export function queueScoreMetrics(r: QueueScoreResult): string {
  const model = r.plan.modelName;
  return [
    ...metricFamily('verde_score_energy_joules_total', 'counter', "Energy of the job's shards on each worker process, joules.",
      r.workers.map((w) => [{ model, component: 'total', method: w.method, worker: w.worker }, w.energyJ])),
    ...metricFamily('verde_score_worker_rows_total', 'counter', 'Rows each worker process scored.', r.workers.map((w) => [{ model, worker: w.worker }, w.rows])),
    ...metricFamily('verde_score_failed_shards', 'gauge', 'Shards that failed after their retries.', [[{ model }, r.failed.length]]),
    ...jobLines({ model, rows: r.rowsScored, seconds: r.seconds, energyJ: r.energyJ }, r.method),
  ].join('\n') + '\n';
}

/** A queue worker at exit: its whole life under the meter (idle included) and its shards' busy energy. */
export function workerMetrics(s: QueueWorkerSummary): string {
  const l = { worker: s.worker };
  return (s.report ? prometheusText(s.report) : '') + [
    ...metricFamily('verde_score_energy_joules_total', 'counter', "Energy of the job's shards on each worker process, joules.", [[{ ...l, component: 'total', method: s.method }, s.energyJ]]),
    ...metricFamily('verde_score_worker_rows_total', 'counter', 'Rows each worker process scored.', [[l, s.rows]]),
    ...metricFamily('verde_score_worker_shards_total', 'counter', 'Shards each worker process finished, by outcome.', [[{ ...l, outcome: 'done' }, s.jobs], [{ ...l, outcome: 'failed' }, s.failed]]),
  ].join('\n') + '\n';
}
