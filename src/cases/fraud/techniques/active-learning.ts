/**
 * §5 "label only what active learning picks by uncertainty": a GBDT trained on the labels bought
 * so far scores the unlabelled pool, and the next batch for the analyst is picked by uncertainty
 * (or margin, or diversity) versus at random. The figure is the number of labels each needs to
 * reach 90 % of the PR-AUC that labelling the whole pool gives, on the same held-out test rows.
 */
import { prAuc } from '../../../metrics/ranking.js';
import { runActiveLearning, type ActiveLearningResult, type Strategy } from '../../../data/active-learning/index.js';
import type { GbdtParams } from '../../../models/gbdt/index.js';
import type { CaseContext } from '../context.js';
import { metered, type Metered } from '../energy.js';
import { GbdtClassifier } from '../gbdt-runs.js';
import type { TechniqueResult } from '../results.js';
import { headSplit, positives } from '../splits.js';
import { progressBar } from '../../../util/progress.js';

const AL_PARAMS: Partial<GbdtParams> = { nTrees: 40, learningRate: 0.15, maxLeaves: 15, minDataInLeaf: 5, threads: 1 };

export async function activeLearningTechniques(ctx: CaseContext): Promise<TechniqueResult[]> {
  const pool = headSplit(ctx.data.train, 20_000);
  const test = ctx.data.test;
  const newModel = () => new GbdtClassifier(ctx.data.features, AL_PARAMS);
  const full = newModel();
  const fullRun = await metered(ctx.meter, async () => { await full.fit(pool.x, pool.y); });
  const fullPrAuc = prAuc(full.predictProba(test.x), test.y);
  const target = 0.9 * fullPrAuc;
  const n = pool.y.length;
  const batch = Math.max(20, Math.round(n * 0.02));
  const maxLabels = Math.round(n * 0.4);
  const strategies: Strategy[] = ['random', 'uncertainty', 'margin', 'diversity'];
  const bar = progressBar('fraud: active learning', strategies.length * Math.ceil(maxLabels / batch), ['strategy', 'labels', 'prAuc']);
  let step = 0;
  const runs = new Map<Strategy, Metered<ActiveLearningResult>>();
  for (const strategy of strategies) {
    runs.set(strategy, await metered(ctx.meter, () => runActiveLearning({
      pool: { x: pool.x, y: pool.y }, test: { x: test.x, y: test.y }, newModel, strategy,
      initialLabels: batch, batchSize: batch, maxLabels, targetPrAuc: target, seed: ctx.opts.seed,
      onPoint: (p) => bar.update(++step, { strategy, labels: p.labels, prAuc: p.prAuc.toFixed(3) }),
    })));
  }
  bar.stop();
  const figures = (m: Metered<ActiveLearningResult>) => ({
    labelsToTargetPrAuc: m.result.labelsToTarget ?? null,
    reachedTarget: m.result.labelsToTarget !== undefined,
    labelsBought: m.result.curve.at(-1)!.labels,
    fraudLabelsBought: m.result.curve.at(-1)!.positives,
    finalPrAuc: m.result.curve.at(-1)!.prAuc,
    loopEnergyJ: m.energyJ,
  });
  const random = runs.get('random')!;
  const common = [
    `pool: ${n} training rows (${positives(pool.y)} fraud); batches of ${batch}; budget ${maxLabels} labels; target PR-AUC ${target.toFixed(4)} = 0.9 x ${fullPrAuc.toFixed(4)} (all ${n} labelled, trained with ${fullRun.energyJ.toFixed(1)} J)`,
    'loop energy includes retraining after every batch; labelsToTargetPrAuc is null when the budget ran out first',
  ];
  return (['uncertainty', 'margin', 'diversity'] as const).map((s) => {
    const tech = runs.get(s)!;
    const r = random.result.labelsToTarget;
    const t = tech.result.labelsToTarget;
    const summary = t === undefined
      ? `${s} sampling did not reach the target within ${maxLabels} labels`
      : r === undefined
        ? `${s} sampling reached the target with ${t} labels; random labelling had not after ${maxLabels}`
        : `${s} sampling reached the target with ${t} labels vs ${r} at random (${(100 * (1 - t / r)).toFixed(0)} % fewer)`;
    return {
      name: `active-learning-${s}`,
      claim: 'label only what active learning picks: fewer labels for the same quality',
      baselineName: 'random labelling',
      techniqueName: `${s} sampling`,
      baseline: figures(random),
      technique: figures(tech),
      summary,
      energyMethod: tech.method,
      notes: common,
    };
  });
}
