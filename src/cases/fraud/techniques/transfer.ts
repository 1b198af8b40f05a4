/**
 * §5 "transfer from a pre-trained model": another institution (the generator with another seed
 * and drifted habits) has trained a GBDT on its own data. The home institution, with only its
 * first weeks labelled, either trains from scratch or continues boosting from the other model's
 * trees (warm start). Training energy at home and quality on the home test rows; the other
 * model's training energy is reported apart (paid once, by someone else).
 */
import type { CaseContext } from '../context.js';
import { baselineParams, meteredGbdt, recordGbdt } from '../gbdt-runs.js';
import type { TechniqueResult } from '../results.js';
import { headSplit, positives } from '../splits.js';

export async function transferTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const other = ctx.data.institutions?.[0];
  if (!other) throw new Error('transfer: needs another institution\'s data');
  const params = baselineParams(ctx);
  const pre = await meteredGbdt(ctx, other.train, params, other.valid);
  // The home institution's scarce labels: the earliest 15 % of its training rows.
  const small = headSplit(ctx.data.train, Math.max(2000, Math.round(ctx.data.train.y.length * 0.15)));
  const scratch = await meteredGbdt(ctx, small, params, ctx.data.valid);
  const warm = await meteredGbdt(ctx, small, params, ctx.data.valid, pre.result);
  const sRec = await recordGbdt(ctx, 'gbdt-small-scratch', scratch.result, scratch, { lineage: { technique: 'from-scratch', params: { rows: small.y.length } } });
  const wRec = await recordGbdt(ctx, 'gbdt-small-transfer', warm.result, warm, { lineage: { parent: `gbdt-${other.id}`, technique: 'warm-start', params: { rows: small.y.length, pretrainedTrees: pre.result.trees.length } } });
  const fig = (r: typeof sRec, newTrees: number) => ({ homeRows: small.y.length, newTrees, trainEnergyJ: r.trainEnergyJ, trainTimeS: r.trainTimeS, prAuc: r.prAuc, rocAuc: r.rocAuc, recallAt1PctFpr: r.recallAt1PctFpr });
  return {
    name: 'transfer-warm-start',
    claim: 'start from a pre-trained model instead of from scratch',
    baselineName: 'from scratch on the home institution\'s labels',
    techniqueName: `continue boosting from ${other.id}'s ${pre.result.trees.length} trees`,
    baseline: fig(sRec, scratch.result.trees.length),
    technique: { ...fig(wRec, warm.result.trees.length - pre.result.trees.length), pretrainEnergyJElsewhere: pre.energyJ },
    summary: `with ${small.y.length} home rows (${positives(small.y)} fraud): PR-AUC ${sRec.prAuc.toFixed(3)} from scratch vs ${wRec.prAuc.toFixed(3)} warm-started, training energy ${sRec.trainEnergyJ.toFixed(1)} J vs ${wRec.trainEnergyJ.toFixed(1)} J`,
    energyMethod: wRec.energyMethod,
    notes: [`pre-trained on ${other.train.y.length} rows of ${other.id} (drifted), ${pre.energyJ.toFixed(1)} J there; both home runs use early stopping on the home validation split`],
  };
}
