/**
 * Drift statistics between a training reference and served inputs: the population stability index
 * over 10 quantile bins of the reference (missing values their own bin; empty bins floored at 1e-4)
 * and the two-sample Kolmogorov-Smirnov statistic (largest gap between the two empirical CDFs).
 * Rule of thumb used by the audit: PSI < 0.1 stable, 0.1-0.2 moderate, > 0.2 drifted.
 */

export const PSI_DRIFT = 0.2;
export const KS_DRIFT = 0.2;
/** Fewer served rows than this and PSI over 10 bins is noise (a bin holds ~10 rows): drift is not judged. */
export const MIN_DRIFT_ROWS = 100;
const FLOOR = 1e-4;

const finite = (v: ArrayLike<number | null>) => Array.from(v).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);

function decileEdges(sorted: number[]): number[] {
  const edges: number[] = [];
  for (let d = 1; d < 10; d++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((d / 10) * sorted.length))]!;
    if (edges[edges.length - 1] !== e) edges.push(e);
  }
  return edges;
}

function binShares(values: ArrayLike<number | null>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 2).fill(0); // last bin: missing
  for (const v of Array.from(values)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) { counts[edges.length + 1]!++; continue; }
    let b = 0;
    while (b < edges.length && v >= edges[b]!) b++;
    counts[b]!++;
  }
  const n = values.length || 1;
  return counts.map((c) => c / n);
}

/**
 * PSI of two share vectors over the same bins: sum of (c - r) ln(c / r), bins empty in both skipped
 * and an empty share floored at FLOOR (a bin only one side has would otherwise be infinite).
 */
function psiOfShares(r: number[], c: number[]): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    if (r[i] === 0 && c[i] === 0) continue;
    const a = Math.max(r[i]!, FLOOR);
    const b = Math.max(c[i]!, FLOOR);
    s += (b - a) * Math.log(b / a);
  }
  return s;
}

/** Population stability index of a numeric feature: decile bins of the reference (plus one for missing). */
export function psi(reference: ArrayLike<number | null>, current: ArrayLike<number | null>): number {
  const edges = decileEdges(finite(reference));
  const r = binShares(reference, edges);
  const c = binShares(current, edges);
  return psiOfShares(r, c);
}

export function ks(reference: ArrayLike<number | null>, current: ArrayLike<number | null>): number {
  const a = finite(reference);
  const b = finite(current);
  if (!a.length || !b.length) return 0;
  let i = 0, j = 0, d = 0;
  while (i < a.length && j < b.length) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i]! <= v) i++;
    while (j < b.length && b[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/** Shares of each category (counts by name) over the union of both sides' names, in a fixed order. */
function shares(counts: Record<string, number>, names: string[]): number[] {
  const n = names.reduce((a, k) => a + (counts[k] ?? 0), 0) || 1;
  return names.map((k) => (counts[k] ?? 0) / n);
}

/**
 * PSI of two categorical distributions given as counts by name (training label balance vs predicted
 * labels served), empty categories floored at 1e-4 like the binned PSI; the shares come back too.
 */
export function categoricalPsi(reference: Record<string, number>, current: Record<string, number>): { psi: number; reference: Record<string, number>; current: Record<string, number> } {
  const names = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort();
  const r = shares(reference, names);
  const c = shares(current, names);
  const s = psiOfShares(r, c);
  const obj = (v: number[]) => Object.fromEntries(names.map((k, i) => [k, Number(v[i]!.toPrecision(4))]));
  return { psi: s, reference: obj(r), current: obj(c) };
}
