/**
 * §5 "pruning and 8-bit quantisation" of the boosted trees, each against the plain model:
 * - pruning: a GBDT that boosts all 300 rounds vs the same one stopped early on the validation
 *   split with its low-gain bottom splits collapsed (gain below the 25th percentile of all splits);
 * - quantisation: thresholds as 8-bit bin indices and leaves as int8 (one scale) vs float32.
 * Size, scoring speed and energy through ONNX Runtime, and quality on the same test rows.
 */
import { packGbdt, pruneLowGainSplits, quantiseGbdt, type GbdtModel } from '../../../models/gbdt/index.js';
import type { CaseContext } from '../context.js';
import { metered } from '../energy.js';
import { baselineParams, ensureBaseline, recordGbdt } from '../gbdt-runs.js';
import { ratio, type ModelResult, type TechniqueResult, type Figures } from '../results.js';
import { progressBar } from '../../../util/progress.js';

function splits(m: GbdtModel): number {
  return m.trees.reduce((s, t) => s + t.feature.length, 0);
}

function modelFigures(m: GbdtModel, r: ModelResult): Figures {
  return {
    trees: m.trees.length,
    splits: splits(m),
    onnxBytes: r.onnxBytes,
    prAuc: r.prAuc,
    rocAuc: r.rocAuc,
    recallAt1PctFpr: r.recallAt1PctFpr,
    inferenceEnergyJPerRow: r.inferenceEnergyJPerRow,
    inferenceRowsPerS: r.inferenceRowsPerS,
    trainEnergyJ: r.trainEnergyJ,
  };
}

export async function pruningTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const base = await ensureBaseline(ctx);
  const params = { ...baselineParams(ctx), earlyStoppingRounds: 0 };
  const bar = progressBar('fraud: unpruned GBDT', params.nTrees ?? 300);
  const full = await metered(ctx.meter, () => import('../../../models/gbdt/index.js').then((g) => g.trainGbdt(ctx.data.train.ds, params, { onRound: (r) => bar.update(r.round) })));
  bar.stop();
  const fullRec = await recordGbdt(ctx, 'gbdt-unpruned', full.result, full, { lineage: { technique: 'no-early-stopping', params } });
  const gains = base.model.trees.flatMap((t) => t.gain).sort((a, b) => a - b);
  const minGain = gains.length ? gains[Math.floor(gains.length * 0.25)] : 0;
  const pruned = pruneLowGainSplits(base.model, minGain);
  const prunedRec = await recordGbdt(ctx, 'gbdt-pruned', pruned.model, base.train, { trainReusedFrom: 'gbdt', lineage: { parent: 'gbdt', technique: 'early-stopping+low-gain-split-pruning', params: { minGain, splitsBefore: pruned.splitsBefore, splitsAfter: pruned.splitsAfter } } });
  return {
    name: 'pruning',
    claim: 'pruning: fewer trees and splits, same quality, faster and smaller',
    baselineName: `all ${params.nTrees} rounds`,
    techniqueName: `early stopping (${base.model.trees.length} trees) + low-gain splits collapsed`,
    baseline: { ...modelFigures(full.result, fullRec), packedFloat32Bytes: packGbdt(full.result, 32).length },
    technique: { ...modelFigures(pruned.model, prunedRec), packedFloat32Bytes: packGbdt(pruned.model, 32).length },
    summary: `${full.result.trees.length} -> ${pruned.model.trees.length} trees, ${splits(full.result)} -> ${pruned.splitsAfter} splits; PR-AUC ${fullRec.prAuc.toFixed(3)} -> ${prunedRec.prAuc.toFixed(3)}; inference ${ratio(fullRec.inferenceEnergyJPerRow, prunedRec.inferenceEnergyJPerRow)} energy per row`,
    energyMethod: prunedRec.energyMethod,
    notes: [`low-gain threshold ${minGain.toExponential(3)} (25th percentile of split gains); the pruned model's training energy is the baseline gbdt's early-stopped run, reused (marked trainEnergyReusedFrom)`],
  };
}

export async function quantisationTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const base = await ensureBaseline(ctx);
  const q = quantiseGbdt(base.model);
  const qRec = await recordGbdt(ctx, 'gbdt-int8', q.model, base.train, {
    packedInt8Bytes: q.packedBytes,
    trainReusedFrom: 'gbdt',
    lineage: { parent: 'gbdt', technique: 'int8-thresholds-and-leaves', params: { leafScale: q.scale, maxLeafError: q.maxLeafError } },
    notes: ['packedInt8Bytes is the 8-bit packed form (verde gbdt pack); model.onnx decodes it to float attributes, as ONNX TreeEnsemble stores floats', 'training energy is the baseline gbdt\'s run, reused (quantising takes no training)'],
  });
  return {
    name: 'quantisation-8bit',
    claim: '8-bit quantisation: smaller model, same quality',
    baselineName: 'float32 thresholds and leaves',
    techniqueName: 'uint8 bin thresholds + int8 leaves',
    baseline: { packedBytes: q.float32Bytes, onnxBytes: base.result.onnxBytes, prAuc: base.result.prAuc, rocAuc: base.result.rocAuc, recallAt1PctFpr: base.result.recallAt1PctFpr, inferenceEnergyJPerRow: base.result.inferenceEnergyJPerRow, inferenceRowsPerS: base.result.inferenceRowsPerS },
    technique: { packedBytes: q.packedBytes, onnxBytes: qRec.onnx.length, prAuc: qRec.prAuc, rocAuc: qRec.rocAuc, recallAt1PctFpr: qRec.recallAt1PctFpr, inferenceEnergyJPerRow: qRec.inferenceEnergyJPerRow, inferenceRowsPerS: qRec.inferenceRowsPerS, maxLeafError: q.maxLeafError },
    summary: `packed size ${q.float32Bytes} -> ${q.packedBytes} bytes (${ratio(q.float32Bytes, q.packedBytes)}; the 8-bit form carries the bin-edge tables); PR-AUC ${base.result.prAuc.toFixed(4)} -> ${qRec.prAuc.toFixed(4)}`,
    energyMethod: qRec.energyMethod,
    notes: ['thresholds are bin edges already, so 8-bit thresholds are exact; only leaf values are rounded', 'ONNX Runtime scores float attributes: ONNX size and speed barely change; the size saving is in the packed form that ships'],
  };
}
