/**
 * Reading a `verde serve` child's Prometheus /metrics before and after a load level: samples,
 * sums over label sets, histogram quantiles between two scrapes, and the energy method reported.
 */

/** Scrape /metrics into a map from sample (name{labels}) to value. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

export function sumMatching(m: Map<string, number>, prefix: string, contains = ''): number {
  let s = 0;
  for (const [k, v] of m) if (k.startsWith(prefix) && k.includes(contains)) s += v;
  return s;
}

/**
 * The q-quantile of a histogram's observations between two scrapes, interpolated linearly inside
 * the bucket it falls in (Prometheus' histogram_quantile); null without observations.
 */
export function histogramQuantile(before: Map<string, number>, after: Map<string, number>, name: string, labels: string, q: number): number | null {
  const buckets: Array<{ le: number; n: number }> = [];
  const prefix = `${name}_bucket{${labels}${labels ? ',' : ''}le="`;
  for (const [k, v] of after) {
    if (!k.startsWith(prefix)) continue;
    const le = k.slice(prefix.length, -2);
    buckets.push({ le: le === '+Inf' ? Infinity : Number(le), n: v - (before.get(k) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const b of buckets) {
    if (b.n >= rank) {
      if (!Number.isFinite(b.le)) return prevLe; // beyond the last finite bucket: its bound is all we know
      return prevLe + ((b.le - prevLe) * (rank - prevN)) / Math.max(1e-12, b.n - prevN);
    }
    prevLe = b.le;
    prevN = b.n;
  }
  return prevLe;
}

/** The process energy's method: each component's method once (those not "none"), joined with "+". */
export function methodOf(m: Map<string, number>): string {
  const methods: string[] = [];
  for (const k of m.keys()) {
    const r = /^verde_process_energy_joules_total\{component="[^"]+",method="([^"]+)"\}/.exec(k);
    if (r && r[1] !== 'none') for (const part of r[1]!.split('+')) if (!methods.includes(part)) methods.push(part);
  }
  return methods.length ? methods.join('+') : 'none';
}
