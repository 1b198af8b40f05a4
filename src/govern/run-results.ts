/**
 * What a verde run measured about one of the model directories it wrote: `verde fraud` and `verde
 * text` write DIR/results.json beside DIR/models/<name>/; this reads the model's row (metrics, energy
 * per inference, training energy, with the method) into the registry's fields.
 */
import { basename, dirname, join } from 'node:path';
import { exists } from '../util/atomic.js';
import { readJsonObject } from '../util/json-file.js';
import type { ModelEnergy } from '../registry/db/types.js';

export interface RunFigures {
  metrics: Record<string, number>;
  energy: ModelEnergy;
  /** The results file the figures come from. */
  from: string;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => num(o[k]) !== null).map((k) => [k, o[k] as number]));

/** Figures of the model in `modelDir` from `<run>/results.json` when modelDir is `<run>/models/<name>`, else null. */
export async function figuresFromRun(modelDir: string): Promise<RunFigures | null> {
  const name = basename(modelDir);
  const runDir = dirname(dirname(modelDir));
  const path = join(runDir, 'results.json');
  if (basename(dirname(modelDir)) !== 'models' || !(await exists(path))) return null;
  const r = await readJsonObject(path);
  const intensity = num(r.carbonIntensityGPerKWh);
  const co2 = (j: number | null) => (j !== null && intensity !== null ? (j / 3.6e6) * intensity : null);
  if (Array.isArray(r.models)) {
    const m = (r.models as Record<string, unknown>[]).find((x) => x.name === name || x.modelDir === `models/${name}`);
    if (!m) return null;
    const trainJ = num(m.trainEnergyJ);
    return {
      metrics: pick(m, ['prAuc', 'rocAuc', 'recallAt1PctFpr']),
      energy: { trainJ, trainCo2eG: co2(trainJ), jPerInference: num(m.inferenceEnergyJPerRow), method: String(m.energyMethod ?? 'unknown'), carbonSource: String(r.carbonIntensitySource ?? '') },
      from: path,
    };
  }
  if (Array.isArray(r.variants)) {
    const v = (r.variants as Record<string, unknown>[]).find((x) => x.name === name);
    if (!v) return null;
    return {
      metrics: pick(v, ['accuracy', 'macroF1']),
      energy: { trainJ: null, trainCo2eG: null, jPerInference: num(v.energyJPerInference), method: String(v.energyMethod ?? r.energyMethod ?? 'unknown') },
      from: path,
    };
  }
  return null;
}

/** The metric the audit and the reuse check rank a task's models by (higher is better). */
export function primaryMetric(task: string): string {
  return task === 'text-classification' ? 'accuracy' : 'prAuc';
}
