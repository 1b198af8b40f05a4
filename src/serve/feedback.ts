/**
 * Energy per correct prediction (guide §3.4.4): the server remembers the last predictions it gave
 * (label and energy, by request id); when the true labels are posted to `:feedback`, it counts the
 * correct ones and divides the energy of the predictions with feedback by them.
 */
import type { Energy } from './energy.js';
import { RequestError } from './request-error.js';
import type { ServeMetrics } from './serve-metrics.js';

interface Remembered {
  model: string;
  labels: string[];
  energy: Energy[];
}

export interface FeedbackResult {
  id: string;
  model: string;
  correct: number;
  total: number;
  /** Since start, over every prediction that got feedback. */
  totals: { predictions: number; correct: number; accuracy: number; energyJ: number; energyPerCorrectJ: number | null; method: string };
}

export class FeedbackStore {
  private readonly byId = new Map<string, Remembered>();
  constructor(private readonly metrics: ServeMetrics, private readonly capacity = 100_000) {}

  remember(id: string, model: string, labels: string[], energy: Energy[]): void {
    this.byId.set(id, { model, labels, energy });
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value!);
  }

  /** Apply `{"id": "...", "labels": [...]}` posted to /v1/models/{model}:feedback. */
  apply(model: string, knownLabels: string[], body: unknown): FeedbackResult {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestError(400, null, 'the body must be a JSON object like {"id": "<X-Request-Id of the prediction>", "labels": ["..."]}');
    const b = body as Record<string, unknown>;
    if (typeof b.id !== 'string' || b.id === '') throw new RequestError(400, 'id', 'must be the X-Request-Id (or "id") of a prediction');
    if (!Array.isArray(b.labels)) throw new RequestError(400, 'labels', 'must be an array with one true label per instance');
    const r = this.byId.get(b.id);
    if (!r || r.model !== model) throw new RequestError(404, 'id', `no recent prediction of model "${model}" has id "${b.id}" (the server remembers the last ${this.capacity})`);
    if (b.labels.length !== r.labels.length) throw new RequestError(400, 'labels', `has ${b.labels.length} labels but the prediction had ${r.labels.length} instances`);
    b.labels.forEach((l, i) => {
      if (typeof l !== 'string' || !knownLabels.includes(l)) throw new RequestError(400, `labels[${i}]`, `must be one of ${knownLabels.map((k) => JSON.stringify(k)).join(', ')}`);
    });
    this.byId.delete(b.id); // one feedback per prediction, so nothing is counted twice
    const m = this.metrics;
    let correct = 0;
    r.labels.forEach((pred, i) => {
      const e = r.energy[i]!;
      const ok = pred === (b.labels as string[])[i];
      if (ok) correct++;
      m.feedbackTotal.inc({ model });
      if (ok) m.feedbackCorrect.inc({ model });
      m.feedbackEnergy.inc({ model, method: e.method }, e.energyJ);
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
