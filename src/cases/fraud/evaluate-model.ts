/**
 * Turn a trained model into a row of results: write its model directory, score the held-out test
 * rows through ONNX Runtime under the meter (inference energy per row, rows per second), and
 * compute PR-AUC, ROC-AUC and recall at 1 % FPR from those ONNX scores, so every quality figure
 * is the deployed artefact's, not the training code's.
 */
import { join } from 'node:path';
import { rankingQuality, type RankingQuality } from '../../metrics/ranking.js';
import type { ModelManifest } from '../../registry/manifest.js';
import type { CaseContext } from './context.js';
import { metered, type Metered } from './energy.js';
import { writeTabularModelDir } from './model-dir.js';
import { onnxScorer } from './onnx-scorer.js';
import type { ModelResult } from './results.js';

export interface ModelToRecord {
  name: string;
  kind: string;
  onnx: Uint8Array;
  train: Pick<Metered<unknown>, 'energyJ' | 'durationS' | 'method'>;
  lineage?: ModelManifest['lineage'];
  notes?: string[];
  /** Size of the 8-bit packed form (`verde gbdt pack`), for models that have one; the ONNX size is always recorded. */
  packedInt8Bytes?: number;
  /** The model whose training run this one reuses (pruned or quantised copies): its energy is that run's, not a new one. */
  trainReusedFrom?: string;
  /** Write the model directory another way (GBDTs: the GBDT writer adds gbdt.json); default model.onnx + verde.json. */
  writeDir?: (dir: string) => Promise<void>;
}

export interface ScoredOnnx {
  scores: Float32Array;
  quality: RankingQuality;
  energyJPerRow: number;
  rowsPerS: number;
  method: string;
}

/**
 * Score the test split through ONNX Runtime in batches of `batchSize` rows, metered. Short runs
 * are repeated (at least `minSeconds` in all, at most 50 passes) so that the per-row energy is not
 * a rounding of a few milliseconds of CPU time.
 */
export async function scoreTestOnnx(ctx: CaseContext, onnx: Uint8Array, batchSize = 4096, minSeconds = 0.5): Promise<ScoredOnnx> {
  const { x, y } = ctx.data.test;
  const scorer = await onnxScorer(onnx, x.cols, ctx.opts.threads);
  try {
    await scorer.score(x.data.subarray(0, Math.min(x.rows, 64) * x.cols), batchSize); // warm-up: first run allocates
    let passes = 0;
    const m = await metered(ctx.meter, async () => {
      const started = performance.now();
      let scores: Float32Array;
      do {
        scores = await scorer.score(x.data, batchSize);
        passes++;
      } while (performance.now() - started < minSeconds * 1000 && passes < 50);
      return scores;
    });
    const rows = x.rows * passes;
    return {
      scores: m.result,
      quality: rankingQuality(m.result, y),
      energyJPerRow: m.energyJ / rows,
      rowsPerS: rows / Math.max(m.durationS, 1e-9),
      method: m.method,
    };
  } finally {
    await scorer.release();
  }
}

export async function recordModel(ctx: CaseContext, m: ModelToRecord): Promise<ModelResult & { scores: Float32Array }> {
  const modelDir = join('models', m.name);
  if (m.writeDir) await m.writeDir(join(ctx.workDir, modelDir));
  else await writeTabularModelDir(join(ctx.workDir, modelDir), { name: m.name, onnx: m.onnx, features: ctx.data.features, labels: ctx.data.labels, lineage: m.lineage });
  const s = await scoreTestOnnx(ctx, m.onnx);
  const result: ModelResult = {
    name: m.name,
    kind: m.kind,
    prAuc: s.quality.prAuc,
    rocAuc: s.quality.rocAuc,
    recallAt1PctFpr: s.quality.recallAt1PctFpr,
    trainEnergyJ: m.train.energyJ,
    trainTimeS: m.train.durationS,
    inferenceEnergyJPerRow: s.energyJPerRow,
    inferenceRowsPerS: s.rowsPerS,
    onnxBytes: m.onnx.length,
    ...(m.packedInt8Bytes !== undefined ? { packedInt8Bytes: m.packedInt8Bytes } : {}),
    ...(m.trainReusedFrom !== undefined ? { trainEnergyReusedFrom: m.trainReusedFrom } : {}),
    energyMethod: m.train.method === s.method ? s.method : `train ${m.train.method}; inference ${s.method}`,
    modelDir,
    notes: m.notes,
  };
  ctx.models.push(result);
  return { ...result, scores: s.scores };
}
