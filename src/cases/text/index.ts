/**
 * The guide's headline case (§6.1) as one function: train (fine-tune a DistilBERT checkpoint or
 * train a small one from scratch), prune (L1 unstructured and structured), quantise (dynamic
 * int8), evaluate every variant on the same test samples with energy, and write the results and
 * every variant as a model directory — all into `out` atomically (nothing half-written on error).
 */
import { join, resolve } from 'node:path';
import { Tracker } from '../../meter/index.js';
import type { SpanReport } from '../../meter/index.js';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { UserError, fail } from '../../util/errors.js';
import { progressBar } from '../../util/progress.js';
import { loadTextData } from '../../data/text/index.js';
import { bertBaseUncasedTokenizer } from '../../tokenizers/index.js';
import type { WordPieceTokenizer } from '../../tokenizers/wordpiece.js';
import { int8Advice } from '../../compress/cpu-features.js';
import { pruneStructured } from '../../compress/prune-structured.js';
import { type DistilBertConfig, makeConfig } from '../../models/distilbert/config.js';
import { initParams, countParams, type Params } from '../../models/distilbert/params.js';
import { loadHfDistilBert } from '../../models/distilbert/checkpoint.js';
import { buildInferenceGraph } from '../../models/distilbert/inference-graph.js';
import { fitDistilBert, type EncodedSet, type FitCheckpointer, type FitResult } from '../../models/distilbert/fit.js';
import { evaluateVariantInChild } from '../../evaluate/variants.js';
import { evaluateEarlyExit, traceExitStages, type EarlyExitEval } from '../../evaluate/early-exit.js';
import { chooseExitThreshold } from '../../evaluate/thresholds.js';

import { buildExitStages, type ExitStage } from '../../models/distilbert/exit-graphs.js';
import { writeTextModelDir } from './model-dir.js';
import { openTextCheckpoint, trainingFingerprint } from './checkpoint.js';
import { int8Variant, l1Variant, outputError } from './variants.js';
import { type StageResult, type TextResults, type VariantResult, comparisonTable, resultsCsv } from './report.js';
import { MODEL_FILE } from '../../registry/files.js';
import { TEXT_DEFAULTS, TEXT_NUMBER_FLAGS } from './defaults.js';
import { checkNumber } from '../../util/flags.js';
import { chooseModelClass, parseClasses, trainEnergyByClass, trainLinearText, writeLinearModelDir, type LinearPrepared } from './linear.js';

/** How much accuracy (absolute, on the validation split) early exit may give up when verde chooses its threshold. */
const EXIT_ACCURACY_DROP = 0.01;

export type { TextCaseOptions } from './options.js';
import type { TextCaseOptions } from './options.js';

export { TEXT_DEFAULTS };

export interface TextCaseResult {
  out: string;
  results: TextResults;
  table: string;
  /** The training split as read (not copied): the registry's drift reference is drawn from it. */
  training: { texts: string[]; labels: number[]; labelNames: string[] };
}

/** Every number flag within its bounds (TEXT_NUMBER_FLAGS, the CLI's too), then the flags that go together. */
function checkOptions(o: TextCaseOptions): void {
  for (const [key, [flag, bounds]] of Object.entries(TEXT_NUMBER_FLAGS)) {
    const v = o[key as keyof typeof TEXT_NUMBER_FLAGS];
    if (v !== undefined) checkNumber(flag, v, bounds);
  }
  if (o.model && o.fromScratch) throw new UserError('--model and --from-scratch: give one or the other');
  if (o.model && (o.layers || o.dim || o.heads || o.hiddenDim)) throw new UserError('--layers/--dim/--heads/--hidden-dim size a model trained --from-scratch; a --model has its own config');
  const dim = o.dim ?? TEXT_DEFAULTS.dim;
  const heads = o.heads ?? TEXT_DEFAULTS.heads;
  if (!o.model && dim % heads !== 0) fail('--heads', `${heads} does not divide --dim ${dim}`);
}

interface Prepared {
  config: DistilBertConfig;
  params: Params;
  tokenizer: WordPieceTokenizer;
  source: string;
}

async function prepareModel(o: TextCaseOptions, labels: string[], maxLength: number, seed: number): Promise<Prepared> {
  if (o.model) {
    const { resolveModelDir, loadHfModelDir } = await import('../../hub/index.js');
    const dir = await resolveModelDir(o.model);
    const hf = await loadHfModelDir(dir);
    const { config, params } = await loadHfDistilBert(dir, { labels, seed });
    if (maxLength > config.maxPositions) fail('--max-length', `${maxLength} exceeds the model's max_position_embeddings ${config.maxPositions}`);
    return { config, params, tokenizer: hf.tokenizer, source: dir };
  }
  const tokenizer = await bertBaseUncasedTokenizer(maxLength);
  const config = makeConfig(labels, {
    layers: o.layers ?? TEXT_DEFAULTS.layers,
    dim: o.dim ?? TEXT_DEFAULTS.dim,
    heads: o.heads ?? TEXT_DEFAULTS.heads,
    hiddenDim: o.hiddenDim ?? TEXT_DEFAULTS.hiddenDim,
    vocabSize: tokenizer.vocabSize,
    maxPositions: maxLength,
  });
  return { config, params: initParams(config, seed), tokenizer, source: 'from scratch (bert-base-uncased vocabulary)' };
}

function stageOf(name: string, span: SpanReport, detail?: Record<string, unknown>): StageResult {
  return { name, durationS: span.durationS, energyJ: span.energyJ, co2eGrams: span.co2eGrams, energyMethod: span.method, detail };
}

/** One DistilBERT fit: its progress bar and per-epoch meter spans come from the training loop. */
async function train(label: string, config: DistilBertConfig, params: Params, trainSet: EncodedSet, val: EncodedSet, opts: { epochs: number; batchSize: number; lr: number; seed: number; threads?: number; padId: number; warmup: number; exits?: number[]; checkpoint: FitCheckpointer; tracker: Tracker }): Promise<FitResult> {
  return fitDistilBert(config, params, trainSet, val, {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    lr: opts.lr,
    seed: opts.seed,
    threads: opts.threads,
    padId: opts.padId,
    warmupFraction: opts.warmup,
    exits: opts.exits,
    checkpoint: opts.checkpoint,
    label,
    tracker: opts.tracker,
  });
}

export async function runTextCase(o: TextCaseOptions = {}): Promise<TextCaseResult> {
  checkOptions(o);
  const out = resolve(o.out ?? TEXT_DEFAULTS.out);
  const seed = o.seed ?? TEXT_DEFAULTS.seed;
  const maxLength = o.maxLength ?? TEXT_DEFAULTS.maxLength;
  const epochs = o.epochs ?? TEXT_DEFAULTS.epochs;
  const batchSize = o.batchSize ?? TEXT_DEFAULTS.batchSize;
  const amount = o.pruneAmount ?? TEXT_DEFAULTS.pruneAmount;
  const lr = o.lr ?? (o.model ? TEXT_DEFAULTS.lrFineTune : TEXT_DEFAULTS.lrScratch);
  const threads = o.threads;
  const classes = parseClasses(o.classes);
  const useTransformer = classes.includes('transformer');
  if (!useTransformer && (o.model || o.earlyExit)) throw new UserError('--model and --early-exit apply to the transformer class; add transformer to --classes');
  const checkpoint = await openTextCheckpoint(o, out, o.checkpointEvery ?? TEXT_DEFAULTS.checkpointEvery);
  const notes: string[] = [];
  const meter = { country: o.country, projectName: 'verde-text' };
  const tracker = new Tracker(meter);
  await tracker.start();
  const stages: StageResult[] = [];
  try {
    // 1. Data, tokenizer, model.
    let span = tracker.startSpan('prepare');
    const splits = await loadTextData({ data: o.data, dataset: o.dataset, textCol: o.textCol, labelCol: o.labelCol, invalidUtf8: o.invalidUtf8, trainSize: o.trainSize ?? TEXT_DEFAULTS.trainSize, testSize: o.testSize ?? TEXT_DEFAULTS.testSize, seed });
    notes.push(...splits.notes);
    if (!splits.validation.texts.length) notes.push('no validation split: early stopping watched the training set');
    if (!useTransformer) {
      stages.push(stageOf('prepare', await span.end(), { dataset: splits.description, train: splits.train.texts.length, validation: splits.validation.texts.length, test: splits.test.texts.length }));
    }
    // The transformer class (§6.1): everything up to its variants; skipped with --classes linear.
    const tx = !useTransformer ? undefined : await (async () => {
    const prep = await prepareModel(o, splits.labelNames, maxLength, seed);
    const { tokenizer } = prep;
    const encode = (texts: string[], labels: number[]): EncodedSet => ({ ids: texts.map((t) => tokenizer.encode(t, { maxLength })), labels });
    const trainSet = encode(splits.train.texts, splits.train.labels);
    const valSet = splits.validation.texts.length ? encode(splits.validation.texts, splits.validation.labels) : trainSet;
    const testSet = encode(splits.test.texts, splits.test.labels);
    await checkpoint.checkData(trainingFingerprint(splits.labelNames, prep, [trainSet, valSet]));
    stages.push(stageOf('prepare', await span.end(), { dataset: splits.description, train: trainSet.ids.length, validation: splits.validation.texts.length, test: testSet.ids.length, model: prep.source }));

    // 2. Train.
    span = tracker.startSpan('train');
    const exits = o.earlyExit ? Array.from({ length: prep.config.nLayers - 1 }, (_, l) => l) : undefined;
    if (o.earlyExit && !exits!.length) fail('--early-exit', 'needs a model with at least 2 layers');
    const fit = await train(o.model ? 'fine-tune' : 'train', prep.config, prep.params, trainSet, valSet, { epochs, batchSize, lr, seed, threads, padId: tokenizer.padId, warmup: o.model ? 0 : 0.06, exits, checkpoint: checkpoint.fit('train'), tracker });
    stages.push(stageOf('train', await span.end(), { epochs: fit.history, bestEpoch: fit.bestEpoch, stoppedEarly: fit.stoppedEarly, steps: fit.steps, lr, batchSize, exitLossWeights: fit.exitWeights, resumedFrom: fit.resumedFrom }));
    const config = prep.config;
    const base = fit.params;
    const baseOnnx = buildInferenceGraph(config, base, 'distilbert').bytes;
    let earlyExit: { stages: ExitStage[]; threshold: number | null; thresholdFrom: string; evaluation: EarlyExitEval[] } | undefined;
    if (exits) {
      span = tracker.startSpan('early-exit');
      const stagesX = buildExitStages(config, base, exits);
      // The serving threshold: --exit-threshold, else chosen on the validation split as the
      // confidence that runs the fewest stages with accuracy at most EXIT_ACCURACY_DROP below the
      // full model's (§3.4.1.1); null when only running every stage keeps it (early exit off).
      let threshold: number | null = o.exitThreshold ?? 0.9;
      let thresholdFrom = o.exitThreshold !== undefined ? '--exit-threshold' : 'default (no validation split)';
      if (o.exitThreshold === undefined && splits.validation.texts.length) {
        const traced = await traceExitStages(stagesX, valSet.ids, threads ?? 1);
        const choice = chooseExitThreshold(traced, valSet.labels, { maxDrop: EXIT_ACCURACY_DROP });
        threshold = choice.threshold;
        thresholdFrom = choice.threshold === null
          ? `validation: no threshold keeps accuracy within ${EXIT_ACCURACY_DROP} of the full model (${choice.fullAccuracy.toFixed(4)}), so early exit is off by default`
          : `validation: accuracy ${choice.accuracy.toFixed(4)} vs full model ${choice.fullAccuracy.toFixed(4)} (at most ${EXIT_ACCURACY_DROP} lower), ${choice.meanStages.toFixed(2)} of ${choice.stages} stages on average`;
      }
      const tried = [0.8, 0.9, 0.95, 0.99, ...(threshold === null ? [] : [threshold])];
      const evaluation = await evaluateEarlyExit(stagesX, testSet.ids, testSet.labels, config.labels.length, [...new Set(tried)].sort((a, b) => a - b), threads ?? 1);
      earlyExit = { stages: stagesX, threshold, thresholdFrom, evaluation };
      stages.push(stageOf('early-exit', await span.end(), { exits, threshold, thresholdFrom, evaluation }));
    }

    // 3. Prune: L1 unstructured (stored as mask + values), structured (+ recovery).
    span = tracker.startSpan('prune-l1');
    const l1 = l1Variant(config, base, amount);
    stages.push(stageOf('prune-l1', await span.end(), { amount, tensors: l1.report.tensors.length, storage: l1.storage }));
    span = tracker.startSpan('prune-structured');
    const st = pruneStructured(config, base, { headFraction: amount, neuronFraction: amount });
    stages.push(stageOf('prune-structured', await span.end(), { ...st.report }));
    let stParams = st.params;
    const recoveryEpochs = o.recoveryEpochs ?? TEXT_DEFAULTS.recoveryEpochs;
    if (recoveryEpochs > 0) {
      span = tracker.startSpan('recovery');
      const rec = await train('recovery', st.config, st.params, trainSet, valSet, { epochs: recoveryEpochs, batchSize, lr: lr / 2, seed: seed + 1, threads, padId: tokenizer.padId, warmup: 0, checkpoint: checkpoint.fit('recovery'), tracker });
      stParams = rec.params;
      stages.push(stageOf('recovery', await span.end(), { epochs: rec.history, resumedFrom: rec.resumedFrom }));
    }
    const stOnnx = buildInferenceGraph(st.config, stParams, 'distilbert-pruned-structured').bytes;

    // 4. Quantise base and the structured-pruned model.
    span = tracker.startSpan('quantize');
    const advice = o.reduceRange === undefined || o.reduceRange === 'auto' ? int8Advice() : { reduceRange: o.reduceRange, reason: `set by flag: ${o.reduceRange ? '7' : '8'}-bit weights` };
    const q = int8Variant(baseOnnx, advice.reduceRange);
    const qst = int8Variant(stOnnx, advice.reduceRange);
    const qErr = await outputError(baseOnnx, q.onnx, testSet.ids, tokenizer.padId);
    const qstErr = await outputError(stOnnx, qst.onnx, testSet.ids, tokenizer.padId);
    stages.push(stageOf('quantize', await span.end(), { weights: advice.reason, int8: { ...q.report, outputError: qErr }, prunedStructuredInt8: { ...qst.report, outputError: qstErr } }));

    const dataset = splits.description;
    const variants = [
      { name: 'base', technique: 'fp32', onnx: baseOnnx, config, params: countParams(base), parent: undefined, params_: {} },
      { name: 'pruned-l1', technique: 'l1-unstructured', onnx: l1.onnx, config, params: countParams(base), parent: 'base', params_: { amount, storage: 'bitmask+values, dense at load' } },
      { name: 'pruned-structured', technique: 'structured-heads-neurons', onnx: stOnnx, config: st.config, params: st.report.paramsAfter, parent: 'base', params_: { amount, heads: st.report.headsAfter, hiddenDims: st.report.hiddenAfter, recoveryEpochs } },
      { name: 'int8', technique: 'int8-dynamic', onnx: q.onnx, config, params: countParams(base), parent: 'base', params_: { weightBits: q.report.weightBits, perChannel: true }, err: qErr },
      { name: 'pruned-structured-int8', technique: 'structured+int8-dynamic', onnx: qst.onnx, config: st.config, params: st.report.paramsAfter, parent: 'pruned-structured', params_: { weightBits: qst.report.weightBits, perChannel: true }, err: qstErr },
    ];
    return { prep, tokenizer, testSet, config, baseOnnx, earlyExit, advice, variants };
    })();

    // The classical class (§2.1): a linear model on hashed n-grams, trained on the same splits.
    let linear: LinearPrepared | undefined;
    if (classes.includes('linear')) {
      span = tracker.startSpan('train-linear');
      linear = await trainLinearText(splits.labelNames, splits.train, splits.validation, splits.test, { seed, threads, epochs: o.linearEpochs, tracker });
      stages.push(stageOf('train-linear', await span.end(), { hashDim: linear.featuriser.spec.hashDim, wordNgrams: linear.featuriser.spec.wordNgrams, charNgrams: linear.featuriser.spec.charNgrams, maxFeatures: linear.featuriser.maxLength, epochs: linear.fit.history, bestEpoch: linear.fit.bestEpoch, steps: linear.fit.steps }));
    }
    const dataset = splits.description;
    const variants = tx?.variants ?? [];
    const nLabels = splits.labelNames.length;

    // 5. Write every variant, evaluate each from its directory, write the results — atomically.
    const results = await writeDirAtomic(out, async (tmp) => {
      const rows: VariantResult[] = [];
      // One stage for writing and evaluating every variant: each variant's measured pass (in its
      // forked child) is a part of it, the rest is the children's start-up, warm-up and the writing.
      span = tracker.startSpan('evaluate');
      const bar = progressBar('evaluate', variants.length + (linear ? 1 : 0), ['variant']);
      for (const v of variants) {
        const dir = join(tmp, 'models', v.name);
        await writeTextModelDir(dir, {
          name: `text-distilbert-${v.name}`,
          onnx: v.onnx,
          config: v.config,
          tokenizer: tx!.tokenizer,
          maxLength,
          lineage: { parent: v.parent, technique: v.technique, dataset, params: v.params_ },
          exits: v.name === 'base' && tx!.earlyExit ? { files: tx!.earlyExit.stages.map((x) => [x.file, x.bytes] as [string, Uint8Array]), threshold: tx!.earlyExit.threshold } : undefined,
        });
        bar.update(rows.length, { variant: v.name });
        const r = await evaluateVariantInChild({
          modelPath: join(dir, MODEL_FILE),
          samples: tx!.testSet.ids,
          labels: tx!.testSet.labels,
          nLabels,
          padId: tx!.tokenizer.padId,
          threads: threads ?? 1,
          batchSize: 32,
          warmup: 5,
          meter,
        });
        rows.push({
          name: v.name,
          technique: v.technique,
          parameters: v.params,
          ...r,
          sizeRatio: r.sizeBytes / tx!.baseOnnx.length,
          outputRelError: v.err?.relL2,
          outputArgmaxAgreement: v.err?.argmaxAgreement,
          modelClass: 'transformer',
        });
      }
      if (linear) {
        const dir = join(tmp, 'models', 'linear');
        await writeLinearModelDir(dir, linear, splits.labelNames, { technique: 'linear-hashed-ngrams-tfidf', dataset, params: { hashDim: linear.featuriser.spec.hashDim, wordNgrams: linear.featuriser.spec.wordNgrams, charNgrams: linear.featuriser.spec.charNgrams } });
        bar.update(rows.length, { variant: 'linear' });
        const r = await evaluateVariantInChild({ modelPath: join(dir, MODEL_FILE), samples: linear.testIds, labels: splits.test.labels, nLabels, padId: linear.featuriser.padId, threads: threads ?? 1, batchSize: 32, warmup: 5, meter });
        rows.push({ name: 'linear', technique: 'linear-hashed-ngrams-tfidf', parameters: linear.featuriser.spec.hashDim * nLabels + nLabels, ...r, sizeRatio: tx ? r.sizeBytes / tx.baseOnnx.length : 1, modelClass: 'linear' });
      }
      bar.stop();
      const passesJ = rows.reduce((a, v) => a + v.energyJ, 0);
      const evaluated = await span.end();
      stages.push(stageOf('evaluate', evaluated, { variantPassesJ: passesJ, restJ: evaluated.energyJ - passesJ, about: 'variant passes measured in their children; rest: child start-up, warm-up, writing the model directories' }));
      const total = await tracker.stop();
      // The parent's process-scope tracker already counts its children (live and reaped): the
      // variants' passes are inside the total, never added to it again.
      const stagesJ = stages.reduce((a, x) => a + x.energyJ, 0);
      const results: TextResults = {
        about: "verde text: the guide's §6.1 pipeline (train, prune, quantise, compare) with energy for every stage and variant",
        createdAt: new Date().toISOString(),
        dataset,
        labels: splits.labelNames,
        testSamples: splits.test.texts.length,
        model: tx ? { source: tx.prep.source, layers: tx.config.nLayers, dim: tx.config.dim, heads: tx.config.nHeads, hiddenDim: tx.config.hiddenDim, vocabSize: tx.config.vocabSize, maxLength } : {},
        cpu: { int8Weights: tx?.advice.reason ?? 'no int8 variant (--classes linear)' },
        threads: threads ?? 1,
        stages,
        variants: rows,
        totalEnergyJ: total.energyJ,
        totalCo2eGrams: total.co2eGrams,
        unattributedEnergyJ: total.energyJ - stagesJ,
        energyMethod: total.method,
        notes,
      };
      const earlyExit = tx?.earlyExit;
      if (earlyExit) results.earlyExit = { threshold: earlyExit.threshold, thresholdFrom: earlyExit.thresholdFrom, stages: earlyExit.stages.map((x) => ({ file: `models/base/${x.file}`, layers: x.layers })), evaluation: earlyExit.evaluation };
      const choice = chooseModelClass(rows, trainEnergyByClass(stages));
      if (linear) results.linearModel = { hashDim: linear.featuriser.spec.hashDim, wordNgrams: linear.featuriser.spec.wordNgrams, charNgrams: linear.featuriser.spec.charNgrams, maxFeatures: linear.featuriser.maxLength, parameters: linear.featuriser.spec.hashDim * nLabels + nLabels };
      if (choice) results.modelClassChoice = choice;
      await writeJsonAtomic(join(tmp, 'results.json'), results);
      await writeFileAtomic(join(tmp, 'results.csv'), resultsCsv(rows));
      return results;
    });
    await checkpoint.remove(); // the run is complete: nothing left to resume
    const table = comparisonTable(results);
    if (o.print ?? true) process.stdout.write(`${table}\n\nWrote ${join(out, 'results.json')}, results.csv and models/<variant>/ under ${out}\n`);
    return { out, results, table, training: { texts: splits.train.texts, labels: splits.train.labels, labelNames: splits.labelNames } };
  } finally {
    if (tracker.running) await tracker.stop().catch(() => undefined);
  }
}
