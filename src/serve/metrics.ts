/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges, histograms and a
 * sliding-window latency summary, each with labels. Hand-written because the server needs only
 * these four kinds and no npm Prometheus client is a dependency.
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/**
 * One string per label set, whatever the order of its keys. Called several times per request (4.5 %
 * of the HTTP thread as JSON.stringify of sorted entries). Names and values are joined with NUL and
 * SOH, which the server's own label values (model names, codes, methods) never contain.
 */
function key(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let k = '';
  for (const n of names) k += `${n}\u0000${labels[n]}\u0001`;
  return k;
}

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly type: string) {}
  abstract lines(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n');
  }
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string, type = 'counter') {
    super(name, help, type);
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const e = this.values.get(k) ?? { labels, value: 0 };
    e.value += by;
    this.values.set(k, e);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }
  /** Sum over every label set whose labels include `match`. */
  sum(match: Labels = {}): number {
    let s = 0;
    for (const e of this.values.values()) if (Object.entries(match).every(([k, v]) => e.labels[k] === v)) s += e.value;
    return s;
  }
  lines(): string[] {
    return [...this.values.values()].map((e) => `${this.name}${labelText(e.labels)} ${e.value}`);
  }
}

export class Gauge extends Counter {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.inc(labels, value - this.get(labels));
  }
}

/**
 * A counter whose value is read from elsewhere (the meter's running energy total, which never
 * decreases) rather than incremented: exposed as a counter, as Prometheus names `_total` series.
 */
export class ReadCounter extends Counter {
  set(labels: Labels, value: number): void {
    this.inc(labels, value - this.get(labels));
  }
}

/** A gauge computed when scraped (queue depth, cache hit ratio). */
export class ComputedGauge extends Metric {
  constructor(name: string, help: string, private readonly compute: () => Array<{ labels: Labels; value: number }>) {
    super(name, help, 'gauge');
  }
  lines(): string[] {
    return this.compute().map((e) => `${this.name}${labelText(e.labels)} ${e.value}`);
  }
}

export class Histogram extends Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, readonly buckets: number[]) {
    super(name, help, 'histogram');
  }
  observe(labels: Labels, v: number): void {
    const k = key(labels);
    const s = this.series.get(k) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((b, i) => {
      if (v <= b) s.counts[i]!++;
    });
    s.sum += v;
    s.count++;
    this.series.set(k, s);
  }
  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** Quantiles over the last `window` observations per label set (exact, bounded memory). */
export class WindowSummary extends Metric {
  private readonly series = new Map<string, { labels: Labels; ring: number[]; next: number; sum: number; count: number }>();
  constructor(name: string, help: string, private readonly quantiles = [0.5, 0.9, 0.99], private readonly window = 10_000) {
    super(name, help, 'summary');
  }
  observe(labels: Labels, v: number): void {
    const k = key(labels);
    const s = this.series.get(k) ?? { labels, ring: [], next: 0, sum: 0, count: 0 };
    if (s.ring.length < this.window) s.ring.push(v);
    else s.ring[s.next] = v;
    s.next = (s.next + 1) % this.window;
    s.sum += v;
    s.count++;
    this.series.set(k, s);
  }
  quantile(labels: Labels, q: number): number {
    const s = this.series.get(key(labels));
    if (!s || s.ring.length === 0) return NaN;
    const sorted = [...s.ring].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      const sorted = [...s.ring].sort((a, b) => a - b);
      for (const q of this.quantiles) {
        const v = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
        out.push(`${this.name}${labelText({ ...s.labels, quantile: String(q) })} ${v}`);
      }
      out.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('\n') + '\n';
  }
}
