/**
 * Duplicate detection: two models answering the same question (tabular: same input features; text:
 * same labels) that predict the same class on (nearly) every row of a probe set and rank the rows
 * the same way are consolidation candidates. The probe set is a registered training reference
 * sample (<= 1,000 feature rows, or <= 200 texts); both models run through real ONNX Runtime
 * sessions on their checkouts (tabular: engine/runtime on model.onnx; text: verde's predictor).
 */
import { join } from 'node:path';
import { createSession, ort } from '../../engine/runtime/ort.js';
import type { ModelRecord } from '../../registry/db/types.js';

export const AGREEMENT_DUPLICATE = 0.99;
/**
 * Arg-max agreement alone is weak on imbalanced data (two models that both say "legit" to 99 % of
 * rows agree 99 %; so is a small probability gap, most probabilities being near 0), so a duplicate
 * must also order the rows the same way: Spearman rank correlation of every class's probability at
 * least this (ties take their average rank). On the fraud case (docs/registry.md) the GBDT and its
 * pruned and int8 copies score 0.97-0.99 against each other, the GBDT against either MLP 0.45-0.49.
 */
export const RANK_CORRELATION_DUPLICATE = 0.95;

function ranks(v: Float64Array): Float64Array {
  const idx = Array.from(v.keys()).sort((a, b) => v[a]! - v[b]!);
  const r = new Float64Array(v.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]!] === v[idx[i]!]) j++;
    for (let k = i; k <= j; k++) r[idx[k]!] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

/** Spearman's rho of two equal-length series (Pearson of their ranks); 1 when both are constant and equal. */
export function spearman(a: Float64Array, b: Float64Array): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((x, y) => x + y, 0) / n;
  const mb = rb.reduce((x, y) => x + y, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  if (saa === 0 || sbb === 0) return saa === sbb ? 1 : 0;
  return sab / Math.sqrt(saa * sbb);
}

/** The smallest per-class rank correlation of two probability matrices (rows x classes, row-major). */
function minClassSpearman(pa: Float32Array, pb: Float32Array, rows: number): number {
  const width = pa.length / rows;
  let min = 1;
  for (let c = 0; c < width; c++) {
    const a = new Float64Array(rows);
    const b = new Float64Array(rows);
    for (let i = 0; i < rows; i++) { a[i] = pa[i * width + c]!; b[i] = pb[i * width + c]!; }
    min = Math.min(min, spearman(a, b));
  }
  return min;
}

/** Class probabilities (rows x classes) and arg-max class per probe row of the model in `dir`. */
export async function predictClasses(dir: string, input: string, output: string, probe: (number | null)[][]): Promise<{ classes: Uint8Array; probs: Float32Array }> {
  const cols = probe[0]?.length ?? 0;
  const x = new Float32Array(probe.length * cols);
  probe.forEach((r, i) => r.forEach((v, j) => { x[i * cols + j] = typeof v === 'number' ? v : NaN; }));
  const session = await createSession(join(dir, 'model.onnx'), { threads: 1 });
  try {
    const res = await session.run({ [input]: new ort.Tensor('float32', x, [probe.length, cols]) }, [output]);
    const p = res[output]!.data as Float32Array;
    const width = p.length / probe.length;
    const out = new Uint8Array(probe.length);
    for (let i = 0; i < probe.length; i++) {
      let best = 0;
      for (let k = 1; k < width; k++) if (p[i * width + k]! > p[i * width + best]!) best = k;
      out[i] = best;
    }
    return { classes: out, probs: Float32Array.from(p) };
  } finally {
    await session.release();
  }
}

export interface DuplicatePair { a: ModelRecord; b: ModelRecord; agreement: number; rankCorrelation: number; meanProbabilityGap: number; probeRows: number; probeFrom: string }

/** What two models of one group are run on: training feature rows (tabular) or training texts (text). */
type Probe = { kind: 'tabular'; rows: (number | null)[][] } | { kind: 'text'; texts: string[] };

function probeOf(m: ModelRecord): Probe | null {
  const ref = m.data?.reference;
  if (m.task === 'tabular-classification' && ref?.features?.sample.length) return { kind: 'tabular', rows: ref.features.sample };
  if (m.task === 'text-classification' && ref?.texts?.length) return { kind: 'text', texts: ref.texts };
  return null;
}

/** Models that answer the same question on the same inputs: same task and labels, and same feature names (tabular). */
function groupKey(m: ModelRecord): string | null {
  if (m.status !== 'active') return null;
  if (m.task === 'tabular-classification') {
    const names = m.data?.reference.features?.names;
    return names ? `tabular|${JSON.stringify(m.labels)}|${names.join(',')}` : null;
  }
  return m.task === 'text-classification' ? `text|${JSON.stringify(m.labels)}` : null;
}

/** Text models through verde's own predictor (its encoder, real ONNX Runtime sessions). */
async function predictTexts(dir: string, texts: string[]): Promise<{ classes: Uint8Array; probs: Float32Array }> {
  const { loadPredictor } = await import('../../predict/index.js');
  const p = await loadPredictor(dir, { threads: 1 });
  try {
    const preds = await p.predict(texts);
    return { classes: Uint8Array.from(preds, (x) => x.labelId), probs: Float32Array.from(preds.flatMap((x) => x.probabilities)) };
  } finally {
    await p.close();
  }
}

/** Pairs of checked-out models of one group agreeing on >= AGREEMENT_DUPLICATE of the probe rows and ranking them alike. */
export async function findDuplicates(models: ModelRecord[], checkout: (m: ModelRecord) => string, io: (m: ModelRecord) => Promise<{ input: string; output: string }>): Promise<DuplicatePair[]> {
  const groups = new Map<string, ModelRecord[]>();
  for (const m of models) {
    const key = groupKey(m);
    if (key !== null) groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const pairs: DuplicatePair[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const owner = group.find((m) => probeOf(m) !== null);
    if (!owner) continue;
    const probe = probeOf(owner)!;
    const preds = new Map<string, { classes: Uint8Array; probs: Float32Array }>();
    for (const m of group) {
      try {
        if (probe.kind === 'text') {
          preds.set(m.id, await predictTexts(checkout(m), probe.texts));
        } else {
          const { input, output } = await io(m);
          preds.set(m.id, await predictClasses(checkout(m), input, output, probe.rows));
        }
      } catch {
        // a checkout that cannot be run (missing or corrupt files: `verify` names them) is left out
      }
    }
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const pa = preds.get(group[i]!.id);
        const pb = preds.get(group[j]!.id);
        if (!pa || !pb) continue;
        let same = 0;
        for (let k = 0; k < pa.classes.length; k++) if (pa.classes[k] === pb.classes[k]) same++;
        let gap = 0;
        for (let k = 0; k < pa.probs.length; k++) gap += Math.abs(pa.probs[k]! - pb.probs[k]!);
        const agreement = same / pa.classes.length;
        const meanProbabilityGap = gap / pa.probs.length;
        if (agreement < AGREEMENT_DUPLICATE) continue;
        const rankCorrelation = minClassSpearman(pa.probs, pb.probs, pa.classes.length);
        if (rankCorrelation >= RANK_CORRELATION_DUPLICATE) {
          pairs.push({ a: group[i]!, b: group[j]!, agreement, rankCorrelation, meanProbabilityGap, probeRows: pa.classes.length, probeFrom: `${owner.name}@${owner.version}` });
        }
      }
    }
  }
  return pairs;
}
