/**
 * The case's GBDT settings and metered training runs. One set of baseline parameters (§5's
 * "LightGBM-style" model: leaf-wise, 31 leaves, early stopping on the validation split) is shared by
 * every technique so that each comparison changes one thing only.
 */
import { gbdtToOnnx, predictProba, trainGbdt, writeGbdtModelDir, type GbdtModel, type GbdtParams } from '../../models/gbdt/index.js';
import { progressBar } from '../../util/progress.js';
import { recordModel } from './evaluate-model.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { CaseContext, Split } from './context.js';
import { metered, type Metered } from './energy.js';
import { headSplit, splitFromMatrix } from './splits.js';

export function baselineParams(ctx: CaseContext): Partial<GbdtParams> {
  // Fraud is rare: weight positives so the trees see them (a common LightGBM setting for fraud).
  return { nTrees: 300, learningRate: 0.1, maxLeaves: 31, minDataInLeaf: 20, lambda: 1, earlyStoppingRounds: 20, evalMetric: 'logloss', threads: ctx.opts.threads };
}

export async function meteredGbdt(ctx: CaseContext, train: Split, params: Partial<GbdtParams>, valid?: Split, initModel?: GbdtModel): Promise<Metered<GbdtModel>> {
  return metered(ctx.meter, () => trainGbdt(train.ds, params, { valid: valid?.ds, initModel }));
}

export function gbdtScores(model: GbdtModel, x: Matrix): Float32Array {
  return Float32Array.from(predictProba(model, x.data));
}

/** A GBDT behind the generic fit/predictProba interface of active learning. */
export class GbdtClassifier {
  private model?: GbdtModel;
  constructor(private readonly features: Split['ds']['features'], private readonly params: Partial<GbdtParams>) {}
  async fit(x: Matrix, y: Uint8Array): Promise<void> {
    this.model = await trainGbdt(splitFromMatrix(this.features, x, y).ds, { ...this.params, earlyStoppingRounds: 0 });
  }
  predictProba(x: Matrix): Float32Array {
    if (!this.model) throw new Error('GbdtClassifier: predict before fit');
    return gbdtScores(this.model, x);
  }
}

/** Record a GBDT: ONNX export, model directory through the GBDT writer (adds gbdt.json), test scoring. */
export async function recordGbdt(ctx: CaseContext, name: string, model: GbdtModel, train: Pick<Metered<unknown>, 'energyJ' | 'durationS' | 'method'>, extra: { lineage?: import('../../registry/manifest.js').ModelManifest['lineage']; notes?: string[]; packedInt8Bytes?: number; trainReusedFrom?: string; kind?: string } = {}) {
  const onnx = gbdtToOnnx(model, { name });
  const rec = await recordModel(ctx, {
    name, kind: extra.kind ?? 'gbdt', onnx, train, lineage: extra.lineage, notes: extra.notes, packedInt8Bytes: extra.packedInt8Bytes, trainReusedFrom: extra.trainReusedFrom,
    writeDir: async (dir) => { await writeGbdtModelDir(dir, model, { name, labels: ctx.data.labels, lineage: extra.lineage }); },
  });
  return { ...rec, onnx };
}

/** The plain GBDT every technique compares against, trained (and recorded) once. */
export async function ensureBaseline(ctx: CaseContext): Promise<NonNullable<CaseContext['baseline']>> {
  if (ctx.baseline) return ctx.baseline;
  // Warm the JIT (and the histogram workers' code) on a few rows first, so the baseline is not
  // charged for compiling code that every later run gets for free.
  await trainGbdt(headSplit(ctx.data.train, 2000).ds, { ...baselineParams(ctx), nTrees: 5, earlyStoppingRounds: 0 }).catch(() => undefined);
  const bar = progressBar('fraud: baseline GBDT', baselineParams(ctx).nTrees ?? 300, ['validLogloss']);
  const train = await metered(ctx.meter, () => trainGbdt(ctx.data.train.ds, baselineParams(ctx), {
    valid: ctx.data.valid.ds,
    onRound: (r) => bar.update(r.round, { validLogloss: r.validMetric?.toFixed(5) ?? '-' }),
  }));
  bar.stop();
  const rec = await recordGbdt(ctx, 'gbdt', train.result, train, { lineage: { technique: 'baseline', params: { ...baselineParams(ctx), bestIteration: train.result.bestIteration } } });
  const { scores: _s, onnx, ...result } = rec;
  ctx.baseline = { model: train.result, train, onnx, result };
  return ctx.baseline;
}
