/**
 * Duplicate detection: two tabular models with the same input features that predict the same class
 * on (nearly) every row of a probe set are consolidation candidates. The probe set is a registered
 * training reference sample (<= 1,000 rows); both models run through real ONNX Runtime sessions
 * (engine/runtime) on their checkouts' model.onnx.
 */
import { join } from 'node:path';
import { createSession, ort } from '../../engine/runtime/ort.js';
import type { ModelRecord } from '../../registry/db/types.js';

export const AGREEMENT_DUPLICATE = 0.99;
/**
 * Arg-max agreement alone is weak on imbalanced data (two models that both say "legit" to 99 % of
 * rows agree 99 %), so a duplicate must also give near-identical probabilities: mean absolute gap
 * of the class probabilities at most this.
 */
export const PROBABILITY_GAP_DUPLICATE = 0.01;

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

export interface DuplicatePair { a: ModelRecord; b: ModelRecord; agreement: number; meanProbabilityGap: number; probeRows: number; probeFrom: string }

/** Pairs of checked-out tabular models with identical feature names agreeing on >= AGREEMENT_DUPLICATE of the probe rows. */
export async function findDuplicates(models: ModelRecord[], checkout: (m: ModelRecord) => string, io: (m: ModelRecord) => Promise<{ input: string; output: string }>): Promise<DuplicatePair[]> {
  const groups = new Map<string, ModelRecord[]>();
  for (const m of models) {
    const names = m.data?.reference.features?.names;
    if (m.status !== 'active' || m.task !== 'tabular-classification' || !names) continue;
    const key = `${JSON.stringify(m.labels)}|${names.join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const pairs: DuplicatePair[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const owner = group.find((m) => (m.data?.reference.features?.sample.length ?? 0) > 0);
    if (!owner) continue;
    const probe = owner.data!.reference.features!.sample;
    const preds = new Map<string, { classes: Uint8Array; probs: Float32Array }>();
    for (const m of group) {
      const { input, output } = await io(m);
      preds.set(m.id, await predictClasses(checkout(m), input, output, probe));
    }
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const pa = preds.get(group[i]!.id)!;
        const pb = preds.get(group[j]!.id)!;
        let same = 0;
        for (let k = 0; k < pa.classes.length; k++) if (pa.classes[k] === pb.classes[k]) same++;
        let gap = 0;
        for (let k = 0; k < pa.probs.length; k++) gap += Math.abs(pa.probs[k]! - pb.probs[k]!);
        const agreement = same / pa.classes.length;
        const meanProbabilityGap = gap / pa.probs.length;
        if (agreement >= AGREEMENT_DUPLICATE && meanProbabilityGap <= PROBABILITY_GAP_DUPLICATE) {
          pairs.push({ a: group[i]!, b: group[j]!, agreement, meanProbabilityGap, probeRows: pa.classes.length, probeFrom: `${owner.name}@${owner.version}` });
        }
      }
    }
  }
  return pairs;
}
