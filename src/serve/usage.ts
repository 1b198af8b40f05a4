/**
 * Usage and input statistics of one served model version (issue 15, registry-contract.md): request
 * and row counts, predicted label counts and a uniform reservoir sample of the inputs (feature
 * vectors for tabular models, token counts for text models), for `verde registry audit` (unused,
 * drifted). Recording runs on the HTTP thread for every answered request, so it does the least it
 * can: counters, and a copy or a tokenisation only for the rows the reservoir keeps (k/n of them).
 */
import type { ModelTask } from '../registry/manifest.js';
import type { ParsedInstance } from './instances.js';

/** Most rows (tabular) or texts (text) a usage file's sample holds. */
export const USAGE_SAMPLE_SIZE = 1000;

export interface UsageFile {
  format: 'verde-usage/1';
  name: string;
  version: number | string;
  modelDir: string;
  task: ModelTask;
  from: string;
  to: string;
  requests: number;
  rows: number;
  predictedLabels: Record<string, number>;
  features?: { names: string[]; sample: Array<Array<number | null>> };
  tokenLengths?: number[];
}

export interface UsageIdentity {
  name: string;
  /** The registry version; 0 when the model did not come from the registry. */
  version: number | string;
  modelDir: string;
  task: ModelTask;
  /** Tabular: feature names in graph order. */
  featureNames?: string[];
  /** Text: tokens the model receives for a (normalised) text. */
  tokenCount?: (text: string) => number;
}

export class UsageStats {
  readonly from = new Date().toISOString();
  requests = 0;
  rows = 0;
  private readonly labels = new Map<string, number>();
  /** Rows offered to the reservoir so far. */
  private seen = 0;
  private readonly sample: Array<Float32Array | number> = [];

  constructor(readonly id: UsageIdentity, private readonly size = USAGE_SAMPLE_SIZE, private readonly random: () => number = Math.random) {}

  /** One answered request: its parsed inputs and the label predicted for each. */
  record(parsed: ParsedInstance[], labels: ArrayLike<string>): void {
    this.requests++;
    this.rows += parsed.length;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      this.labels.set(l, (this.labels.get(l) ?? 0) + 1);
    }
    for (const p of parsed) {
      // Algorithm R: the n-th row replaces a random slot with probability k/n, so the sample stays uniform.
      const n = ++this.seen;
      let slot = this.sample.length;
      if (slot >= this.size) {
        slot = Math.floor(this.random() * n);
        if (slot >= this.size) continue;
      }
      const input = p.input;
      // A copy: the request's vector goes on to the inference worker, which a later change could
      // transfer (detach) rather than clone. Only the k/n rows kept pay for it.
      const kept = input.kind === 'tabular' ? input.features.slice() : (this.id.tokenCount?.(input.text) ?? 0);
      this.sample[slot] = kept;
    }
  }

  snapshot(now = new Date()): UsageFile {
    const out: UsageFile = {
      format: 'verde-usage/1',
      name: this.id.name,
      version: this.id.version,
      modelDir: this.id.modelDir,
      task: this.id.task,
      from: this.from,
      to: now.toISOString(),
      requests: this.requests,
      rows: this.rows,
      predictedLabels: Object.fromEntries(this.labels),
    };
    if (this.id.task === 'text-classification') out.tokenLengths = this.sample.map((s) => (typeof s === 'number' ? s : 0));
    else out.features = { names: this.id.featureNames ?? [], sample: this.sample.map((s) => (typeof s === 'number' ? [] : Array.from(s, (v) => (Number.isNaN(v) ? null : v)))) };
    return out;
  }
}
