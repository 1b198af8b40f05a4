/**
 * §5 "LightGBM instead of a deep network": the baseline GBDT against a deep MLP (256-128-64,
 * trained on verde's engine with AdamW, best epoch on the validation split) on the same rows:
 * training energy, inference energy per row through ONNX Runtime, size and quality. Beside them
 * the simplest model of all (§2.1): logistic regression (models/logistic, the same ONNX contract),
 * so the comparison shows what the trees buy over a linear model too.
 */
import { trainDeepMlp } from '../../../models/mlp/index.js';
import { SmallNet } from '../../../models/logistic/net.js';
import { smallNetToOnnx } from '../../../models/logistic/onnx.js';
import type { CaseContext } from '../context.js';
import { metered } from '../energy.js';
import { recordModel } from '../evaluate-model.js';
import { ensureBaseline } from '../gbdt-runs.js';
import { ratio, type ModelResult, type TechniqueResult } from '../results.js';

const HIDDEN = [256, 128, 64];
const EPOCHS = 4;
const LOGISTIC_EPOCHS = 5;

function fig(m: ModelResult) {
  return { trainEnergyJ: m.trainEnergyJ, trainTimeS: m.trainTimeS, inferenceEnergyJPerRow: m.inferenceEnergyJPerRow, inferenceRowsPerS: m.inferenceRowsPerS, onnxBytes: m.onnxBytes, prAuc: m.prAuc, rocAuc: m.rocAuc, recallAt1PctFpr: m.recallAt1PctFpr };
}

export async function gbdtVsMlpTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const base = await ensureBaseline(ctx);
  const run = await metered(ctx.meter, () => trainDeepMlp({ x: ctx.data.train.x, y: ctx.data.train.y }, {
    hidden: HIDDEN, epochs: EPOCHS, batchSize: 512, learningRate: 1e-3, seed: ctx.opts.seed, threads: ctx.opts.threads,
    valid: { x: ctx.data.valid.x, y: ctx.data.valid.y },
    label: 'fraud: deep MLP', tracker: ctx.tracker,
  }));
  const mlp = await recordModel(ctx, {
    name: 'mlp-deep', kind: 'mlp (engine)', onnx: run.result.onnx, train: run,
    lineage: { technique: 'deep-baseline', params: { hidden: HIDDEN, epochs: EPOCHS, bestEpoch: run.result.bestEpoch, optimizer: 'adamw 1e-3' } },
  });
  const lr = await metered(ctx.meter, async () => {
    const net = SmallNet.create(ctx.data.train.x.cols, [], ctx.opts.seed);
    net.fitNormaliser(ctx.data.train.x);
    await net.train(ctx.data.train.x, ctx.data.train.y, { epochs: LOGISTIC_EPOCHS, batchSize: 256, learningRate: 0.01, seed: ctx.opts.seed, label: 'fraud: logistic regression', tracker: ctx.tracker });
    return smallNetToOnnx(net, 'fraud-logistic');
  });
  const logistic = await recordModel(ctx, {
    name: 'logistic', kind: 'logistic regression', onnx: lr.result, train: lr,
    lineage: { technique: 'linear-baseline', params: { epochs: LOGISTIC_EPOCHS, optimizer: 'adam 1e-2', l2: 1e-5 } },
  });
  const g = base.result;
  return {
    name: 'gbdt-vs-deep-mlp',
    claim: 'gradient-boosted trees instead of a deep network: less training energy, cheaper inference, same or better quality',
    baselineName: `deep MLP [${HIDDEN.join(',')}], ${EPOCHS} epochs`,
    techniqueName: `GBDT (${base.model.trees.length} trees, ${base.model.params.maxLeaves} leaves)`,
    baseline: fig(mlp),
    technique: fig(g),
    summary: `GBDT: ${ratio(mlp.trainEnergyJ, g.trainEnergyJ)} training energy, ${ratio(mlp.inferenceEnergyJPerRow, g.inferenceEnergyJPerRow)} inference energy per row, ${ratio(mlp.onnxBytes, g.onnxBytes)} ONNX bytes; PR-AUC ${g.prAuc.toFixed(3)} vs ${mlp.prAuc.toFixed(3)} for the MLP`,
    energyMethod: g.energyMethod,
    others: [{ name: `logistic regression, ${LOGISTIC_EPOCHS} epochs`, ...fig(logistic) }],
    notes: [`logistic regression: PR-AUC ${logistic.prAuc.toFixed(3)}, ROC-AUC ${logistic.rocAuc.toFixed(3)}, ${logistic.inferenceEnergyJPerRow.toPrecision(3)} J per row scored, training ${logistic.trainEnergyJ.toPrecision(3)} J [${logistic.energyMethod}]`, `MLP on the engine (ONNX Runtime training steps in a worker thread, ${ctx.opts.threads} thread(s)), best of ${EPOCHS} epochs by validation PR-AUC (epoch ${run.result.bestEpoch})`],
  };
}
