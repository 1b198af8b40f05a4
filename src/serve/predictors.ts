/**
 * Predictors run one batch and say, per row, the probabilities and which part of the system
 * answered: a single model (possibly through its early-exit stages), or a cascade (guide §3.4.1.3)
 * where the small model answers the rows it is confident about and only the rest go to the large one.
 */
import type { ModelManifest } from '../registry/manifest.js';
import type { ModelInference } from './worker-group.js';
import { takeRows, type BatchRows } from './protocol.js';

export interface RowAnswer {
  probabilities: number[];
  /** Early-exit stage that answered (models run stage by stage only). */
  exit?: number;
  /** Cascades only: which model answered. */
  answeredBy?: 'small' | 'large';
  /** Padded sequence length of the batch the row ran in (text only). */
  paddedLength?: number;
  /** Inference-thread CPU seconds this row used, over every stage and model it went through. */
  cpuS?: number;
}

export interface Predictor {
  readonly manifest: ModelManifest;
  readonly ready: Promise<void>;
  /** Able to answer now (a live inference worker for every model it needs). */
  readonly live: boolean;
  run(rows: BatchRows): Promise<RowAnswer[]>;
  close(): Promise<void>;
}

export class SinglePredictor implements Predictor {
  readonly manifest: ModelManifest;
  readonly ready: Promise<void>;
  constructor(private readonly worker: ModelInference) {
    this.manifest = worker.manifest;
    this.ready = worker.ready;
  }
  get live(): boolean {
    return this.worker.live;
  }
  async run(rows: BatchRows): Promise<RowAnswer[]> {
    const out = await this.worker.run(rows);
    return out.probabilities.map((p, i) => ({ probabilities: p, exit: out.exits[i], paddedLength: out.paddedLength || undefined, cpuS: out.rowCpuS[i] }));
  }
  close(): Promise<void> {
    return this.worker.close();
  }
}

export class CascadePredictor implements Predictor {
  readonly manifest: ModelManifest;
  readonly ready: Promise<void>;
  constructor(private readonly small: ModelInference, private readonly large: ModelInference, readonly threshold: number) {
    // The cascade answers with the large model's labels; both must agree on them (checked in load).
    this.manifest = large.manifest;
    this.ready = Promise.all([small.ready, large.ready]).then(() => undefined);
  }
  get live(): boolean {
    return this.small.live && this.large.live;
  }
  async run(rows: BatchRows): Promise<RowAnswer[]> {
    const first = await this.small.run(rows);
    const answers: RowAnswer[] = first.probabilities.map((p, i) => ({ probabilities: p, answeredBy: 'small' as const, paddedLength: first.paddedLength || undefined, cpuS: first.rowCpuS[i] }));
    const unsure = answers.flatMap((a, i) => (Math.max(...a.probabilities) >= this.threshold ? [] : [i]));
    if (unsure.length > 0) {
      const second = await this.large.run(takeRows(rows, unsure));
      // A row the large model answered pays for both models; one the small model answered, for the small one only.
      unsure.forEach((row, j) => (answers[row] = { probabilities: second.probabilities[j]!, answeredBy: 'large', paddedLength: second.paddedLength || undefined, cpuS: (answers[row]!.cpuS ?? 0) + (second.rowCpuS[j] ?? 0) }));
    }
    return answers;
  }
  async close(): Promise<void> {
    await Promise.all([this.small.close(), this.large.close()]);
  }
}
