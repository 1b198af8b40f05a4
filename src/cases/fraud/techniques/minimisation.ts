/**
 * §5 data minimisation: drop low-value low-risk transactions by rule, consolidate exact and near
 * duplicates by hashing, keep the result as zstd Parquet — against keeping every row as CSV. Rows,
 * bytes, the stage's energy, the GBDT's training energy, and quality on the same test rows.
 */
import type { CaseContext } from '../context.js';
import { baselineParams, ensureBaseline, meteredGbdt, recordGbdt } from '../gbdt-runs.js';
import type { TechniqueResult } from '../results.js';
import { positives } from '../splits.js';

export async function minimisationTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const mz = ctx.data.minimisation;
  const raw = ctx.data.rawTrain;
  if (!mz || !raw) throw new Error('minimisation: needs the generated transactions (the rule is about transactions)');
  const base = await ensureBaseline(ctx);
  const plain = await meteredGbdt(ctx, raw, baselineParams(ctx), ctx.data.valid);
  const plainRec = await recordGbdt(ctx, 'gbdt-unfiltered', plain.result, plain, { lineage: { technique: 'no-filter-no-dedup', params: { rows: raw.y.length } } });
  const g = base.result;
  return {
    name: 'data-minimisation',
    claim: 'filter low-value low-risk rows, consolidate duplicates, store as Parquet: less storage, less training energy',
    baselineName: 'every row, CSV',
    techniqueName: 'rule filter + dedup, zstd Parquet',
    baseline: {
      rows: mz.rawRows,
      trainingRows: raw.y.length,
      trainingFraudRows: positives(raw.y),
      storedBytes: mz.rawCsvBytes,
      storageFormat: 'csv',
      stageEnergyJ: mz.plainStageEnergyJ,
      trainEnergyJ: plainRec.trainEnergyJ,
      prAuc: plainRec.prAuc,
      rocAuc: plainRec.rocAuc,
      recallAt1PctFpr: plainRec.recallAt1PctFpr,
    },
    technique: {
      rows: mz.keptRows,
      trainingRows: ctx.data.train.y.length,
      trainingFraudRows: positives(ctx.data.train.y),
      storedBytes: mz.featuresParquetBytes,
      storageFormat: 'parquet-zstd',
      rawDataAsParquetBytes: mz.rawCsvAsParquetBytes,
      stageEnergyJ: mz.stageEnergyJ,
      trainEnergyJ: g.trainEnergyJ,
      prAuc: g.prAuc,
      rocAuc: g.rocAuc,
      recallAt1PctFpr: g.recallAt1PctFpr,
      fraudRowsDroppedByRule: mz.fraudRowsDroppedByRule,
      fraudRowsDroppedByDedup: mz.fraudRowsDroppedByDedup,
    },
    summary: `${mz.rawRows} -> ${mz.keptRows} rows (fraud rows dropped: ${mz.fraudRowsDroppedByRule} by the rule, ${mz.fraudRowsDroppedByDedup} by dedup); ${mz.rawCsvBytes} bytes CSV -> ${mz.featuresParquetBytes} bytes Parquet (features included); training energy ${plainRec.trainEnergyJ.toFixed(1)} J -> ${g.trainEnergyJ.toFixed(1)} J; PR-AUC ${plainRec.prAuc.toFixed(3)} -> ${g.prAuc.toFixed(3)}`,
    energyMethod: `${mz.stageMethod}`,
    notes: mz.notes,
  };
}
