/**
 * §5 "distillation into a compact model": the GBDT ensemble (teacher) labels the training rows
 * with its probabilities and a small MLP (student) learns them. Compared with the teacher on
 * size, inference energy and quality, and with the same student trained on the labels alone.
 */
import { distilToSmallNet } from '../../../compress/distil/index.js';
import { SmallNet } from '../../../models/logistic/net.js';
import { smallNetToOnnx } from '../../../models/logistic/onnx.js';
import { rankingQuality } from '../../../metrics/ranking.js';
import type { CaseContext } from '../context.js';
import { metered } from '../energy.js';
import { ensureBaseline, gbdtScores } from '../gbdt-runs.js';
import { recordModel } from '../evaluate-model.js';
import { ratio, type TechniqueResult } from '../results.js';

const STUDENT_HIDDEN = [16];
const EPOCHS = 4;

export async function distillationTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const base = await ensureBaseline(ctx);
  const { x, y } = ctx.data.train;
  const distilled = await metered(ctx.meter, () => {
    const teacherProba = gbdtScores(base.model, x);
    return distilToSmallNet({ x, teacherProba, labels: y, alpha: 0.8, hidden: STUDENT_HIDDEN, train: { epochs: EPOCHS, learningRate: 0.005, seed: ctx.opts.seed } });
  });
  const student = await recordModel(ctx, {
    name: 'mlp-student', kind: 'mlp (distilled)', onnx: smallNetToOnnx(distilled.result, 'mlp-student'), train: distilled,
    lineage: { parent: 'gbdt', technique: 'distillation', params: { hidden: STUDENT_HIDDEN, alpha: 0.8, epochs: EPOCHS } },
  });
  // The same student without a teacher: does the teacher add anything over the labels?
  const alone = SmallNet.create(x.cols, STUDENT_HIDDEN, ctx.opts.seed);
  alone.fitNormaliser(x);
  await alone.train(x, y, { epochs: EPOCHS, learningRate: 0.005, seed: ctx.opts.seed });
  const aloneQ = rankingQuality(alone.predict(ctx.data.test.x), ctx.data.test.y);
  const t = base.result;
  return {
    name: 'distillation',
    claim: 'distil the ensemble into a compact model: smaller and cheaper to run',
    baselineName: `GBDT teacher (${base.model.trees.length} trees)`,
    techniqueName: `MLP student [${STUDENT_HIDDEN.join(',')}] (${distilled.result.parameterCount} weights)`,
    baseline: { onnxBytes: t.onnxBytes, inferenceEnergyJPerRow: t.inferenceEnergyJPerRow, inferenceRowsPerS: t.inferenceRowsPerS, prAuc: t.prAuc, rocAuc: t.rocAuc, recallAt1PctFpr: t.recallAt1PctFpr, trainEnergyJ: t.trainEnergyJ },
    technique: { onnxBytes: student.onnxBytes, inferenceEnergyJPerRow: student.inferenceEnergyJPerRow, inferenceRowsPerS: student.inferenceRowsPerS, prAuc: student.prAuc, rocAuc: student.rocAuc, recallAt1PctFpr: student.recallAt1PctFpr, trainEnergyJ: distilled.energyJ, sameStudentFromLabelsPrAuc: aloneQ.prAuc },
    summary: `student: ${ratio(t.onnxBytes, student.onnxBytes)} ONNX bytes, ${ratio(t.inferenceEnergyJPerRow, student.inferenceEnergyJPerRow)} energy per row; PR-AUC ${t.prAuc.toFixed(3)} -> ${student.prAuc.toFixed(3)} (the same student from labels alone: ${aloneQ.prAuc.toFixed(3)})`,
    energyMethod: student.energyMethod,
    notes: ['student trainEnergyJ includes the teacher scoring the transfer set'],
  };
}
