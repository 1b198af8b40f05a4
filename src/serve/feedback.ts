/**
 * Energy per correct prediction (guide §3.4.4): the server remembers the last predictions it gave
 * (label and energy, by request id); when the true labels are posted to `:feedback`, it counts the
 * correct ones and divides the energy of the predictions with feedback by them.
 */
import type { Energy } from './energy.js';
import { clip, RequestError } from './request-error.js';
import type { ServeMetrics } from './serve-metrics.js';

interface Remembered {
  model: string;
  labels: string[];
  energy: Energy[];
  /** Estimated heap bytes of this entry (see entryBytes). */
  bytes: number;
}

/** Default bound of the store (--feedback-limit): at ~0.8 KB per prediction, some 80,000 recent ones. */
export const DEFAULT_FEEDBACK_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Estimated heap bytes of one remembered prediction: measured with `node --expose-gc` on Node 20
 * (20,000 entries as remember() stores them, heapUsed before and after): about 770 bytes for a
 * prediction of one instance, 880 for 8, 1,770 for 64, i.e. ~750 per entry (Map slot, id string,
 * object, two arrays) plus ~16 per instance (a label and an energy reference). Rounded up, so the
 * bound holds; what an entry's energy objects share with others is counted in each.
 */
function entryBytes(id: string, instances: number): number {
  return 800 + 2 * id.length + 16 * instances;
}

export interface FeedbackResult {
  id: string;
  model: string;
  correct: number;
  total: number;
  /** Since start, over every prediction that got feedback. */
  totals: { predictions: number; correct: number; accuracy: number; energyJ: number; energyPerCorrectJ: number | null; method: string };
}

/**
 * The predictions that may still get feedback, oldest first, bounded in (estimated) bytes: one
 * client sending 64-instance requests must not grow the server without limit. The oldest are
 * forgotten first; /metrics reports the size, the bound and how many were forgotten.
 */
export class FeedbackStore {
  private readonly byId = new Map<string, Remembered>();
  private bytes = 0;
  constructor(private readonly metrics: ServeMetrics, private readonly limitBytes = DEFAULT_FEEDBACK_LIMIT_BYTES) {
    metrics.feedbackStoreLimit.set({}, limitBytes);
    this.report();
  }

  private report(): void {
    this.metrics.feedbackStoreBytes.set({}, this.bytes);
    this.metrics.feedbackStoreEntries.set({}, this.byId.size);
  }

  private forget(id: string): void {
    const r = this.byId.get(id);
    if (!r) return;
    this.byId.delete(id);
    this.bytes -= r.bytes;
  }

  remember(id: string, model: string, labels: string[], energy: Energy[]): void {
    const bytes = entryBytes(id, labels.length);
    this.forget(id);
    this.byId.set(id, { model, labels, energy, bytes });
    this.bytes += bytes;
    while (this.bytes > this.limitBytes && this.byId.size > 0) {
      this.forget(this.byId.keys().next().value!);
      this.metrics.feedbackEvicted.inc();
    }
    this.report();
  }

  /** Apply `{"id": "...", "labels": [...]}` posted to /v1/models/{model}:feedback. */
  apply(model: string, knownLabels: string[], body: unknown): FeedbackResult {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestError(400, null, 'the body must be a JSON object like {"id": "<X-Request-Id of the prediction>", "labels": ["..."]}');
    const b = body as Record<string, unknown>;
    if (typeof b.id !== 'string' || b.id === '') throw new RequestError(400, 'id', 'must be the X-Request-Id (or "id") of a prediction');
    if (!Array.isArray(b.labels)) throw new RequestError(400, 'labels', 'must be an array with one true label per instance');
    const r = this.byId.get(b.id);
    if (!r || r.model !== model) {
      const mb = (this.limitBytes / 1024 / 1024).toFixed(1);
      throw new RequestError(404, 'id', `no recent prediction of model "${clip(model)}" has id "${clip(b.id)}" (the server remembers recent predictions up to --feedback-limit, ${mb} MB)`);
    }
    if (b.labels.length !== r.labels.length) throw new RequestError(400, 'labels', `has ${b.labels.length} labels but the prediction had ${r.labels.length} instances`);
    b.labels.forEach((l, i) => {
      if (typeof l !== 'string' || !knownLabels.includes(l)) throw new RequestError(400, `labels[${i}]`, `must be one of ${knownLabels.map((k) => JSON.stringify(k)).join(', ')}`);
    });
    this.forget(b.id); // one feedback per prediction, so nothing is counted twice
    this.report();
    const m = this.metrics;
    let correct = 0;
    r.labels.forEach((pred, i) => {
      const e = r.energy[i]!;
      const ok = pred === (b.labels as string[])[i];
      if (ok) correct++;
      m.feedbackTotal.inc({ model });
      if (ok) m.feedbackCorrect.inc({ model });
      m.feedbackEnergy.inc({ model, component: 'cpu', method: e.method }, e.energyJ);
    });
    const totalCorrect = m.feedbackCorrect.get({ model });
    const totalPred = m.feedbackTotal.get({ model });
    const energyJ = m.feedbackEnergy.sum({ model });
    const methods = [...new Set(r.energy.map((e) => e.method))].join('+');
    const perCorrect = totalCorrect > 0 ? energyJ / totalCorrect : null;
    if (perCorrect !== null) m.energyPerCorrect.set({ model }, perCorrect);
    return {
      id: b.id,
      model,
      correct,
      total: r.labels.length,
      totals: { predictions: totalPred, correct: totalCorrect, accuracy: totalCorrect / totalPred, energyJ, energyPerCorrectJ: perCorrect, method: methods },
    };
  }
}
