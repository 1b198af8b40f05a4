/**
 * After a run is recorded, the model card of every variant it evaluated is rewritten with the
 * run's figures (metrics, energy label, training carbon, how measured). Directories that are gone
 * or are not verde model directories are skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, MANIFEST_FILE } from '../registry/manifest.js';
import { writeModelCard } from '../registry/model-card.js';
import type { RunRecord } from './types.js';

/** `datasets`: the test data's description by task (a demo run has a text and a tabular one). */
export async function updateModelCards(run: RunRecord, datasets: Record<string, string | undefined> = {}): Promise<number> {
  let n = 0;
  const hw = `${run.hardware.cpuModel} (${run.hardware.threads} threads)${run.hardware.gpus.length ? `, ${run.hardware.gpus.join(', ')}` : ''}`;
  for (const v of run.variants) {
    if (!v.modelDir || !existsSync(join(v.modelDir, MANIFEST_FILE))) continue;
    const m = await readManifest(v.modelDir);
    await writeModelCard(v.modelDir, m, {
      runId: run.id,
      dataset: datasets[v.task],
      metrics: { accuracy: v.accuracy, macroF1: v.macroF1, rocAuc: v.rocAuc, prAuc: v.prAuc },
      energyJPerInference: v.energyJPerInference,
      energyMethod: v.energyMethod,
      trainEnergyJ: v.trainEnergyJ,
      trainCo2eGrams: v.trainEnergyJ === null ? null : (v.trainEnergyJ / 3.6e6) * run.carbon.gPerKWh,
      carbonSource: `${run.carbon.gPerKWh.toFixed(1)} gCO2e/kWh, ${run.carbon.source}`,
      country: run.carbon.countryName,
      hardware: hw,
      inferences: v.inferences,
    });
    n++;
  }
  return n;
}
