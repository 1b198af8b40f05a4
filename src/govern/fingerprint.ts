/**
 * The training data's fingerprint the registry keeps per version (registry/db/types.ts
 * DataFingerprint): the source hash the reuse check compares, rows, schema, label balance, a compact
 * per-feature profile (min, max, mean, missing share, deciles) and the drift reference of the serve
 * contract: a seeded uniform sample of at most 1,000 feature rows exactly as the model receives them.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { DataFingerprint, FeatureProfile } from '../registry/db/types.js';
import type { FeatureSpec } from '../tabular/dataset.js';
import type { Matrix } from '../tabular/matrix.js';
import { mulberry32 } from '../util/random.js';
import { UserError } from '../util/errors.js';

export const REFERENCE_ROWS = 1000;

/** sha256 of a data file's bytes. */
export async function fileSourceHash(path: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const c of createReadStream(path)) h.update(c as Buffer);
  } catch (err) {
    throw new UserError(`--data: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return h.digest('hex');
}

/** sha256 of generated data's parameters (the generator is deterministic in them). */
export function specSourceHash(spec: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(spec, Object.keys(spec).sort())).digest('hex');
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function profileColumn(name: string, values: ArrayLike<number>): FeatureProfile {
  const ok: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) ok.push(values[i]!);
  const s = Float64Array.from(ok).sort();
  const r = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v);
  return {
    name,
    min: r(s.length ? s[0]! : NaN),
    max: r(s.length ? s[s.length - 1]! : NaN),
    mean: r(s.length ? ok.reduce((a, b) => a + b, 0) / s.length : NaN),
    missing: values.length ? r((values.length - s.length) / values.length) : 0,
    deciles: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => r(quantile(s, d / 10))),
  };
}

/** Row indices of a seeded uniform sample of at most `k` of `n` rows, in order. */
export function sampleRows(n: number, k: number, seed = 1): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

/** Fingerprint of tabular training data: `x` row-major (what the model is fed), `y` 0/1 label indices. */
export function tabularFingerprint(d: { hash: string; source: string; features: FeatureSpec[]; x: Matrix; y: ArrayLike<number>; labels: string[] }): DataFingerprint {
  const { x } = d;
  const names = d.features.map((f) => f.name);
  const balance: Record<string, number> = {};
  for (let i = 0; i < d.y.length; i++) {
    const l = d.labels[d.y[i]!] ?? String(d.y[i]);
    balance[l] = (balance[l] ?? 0) + 1;
  }
  const profile = names.map((name, c) => {
    const col = new Float32Array(x.rows);
    for (let r = 0; r < x.rows; r++) col[r] = x.data[r * x.cols + c]!;
    return profileColumn(name, col);
  });
  const sample = sampleRows(x.rows, REFERENCE_ROWS).map((r) => Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols), (v) => (Number.isFinite(v) ? v : NaN)));
  return {
    hash: d.hash,
    source: d.source,
    rows: x.rows,
    schema: d.features.map((f) => ({ name: f.name, type: f.type })),
    labelBalance: balance,
    profile,
    reference: { features: { names, sample } },
  };
}
