/**
 * Boosting loop for binary logloss: gradients/hessians in Float32Array (or, from QUANTISE_MIN_ROWS rows,
 * quantised and packed into one float64 per row: grad-quant.ts), one leaf-wise tree per round,
 * training margins updated through the leaves' row segments (no tree walk), validation margins
 * through the validation rows' bin codes, early stopping on the validation metric, gain importance.
 */
import { binColumn, binRowMajor, fitBins, interleave, MISSING_BIN } from './binning.js';
import { histSize, rootCounts } from './histogram.js';
import { growTree } from './grow.js';
import { quantScheme, roundSalt } from './grad-quant.js';
import { createHistogramBuilder, sharedCopy } from './threads.js';
import { allocRowMemory, rowViews } from './wasm/row-memory.js';
import { logloss, rocAuc } from '../../metrics/ranking.js';
import { rowLogLoss, sigmoid } from './predict.js';
import { Prng } from '../../util/random.js';
import { DEFAULT_PARAMS, QUANTISE_MIN_ROWS, type GbdtModel, type GbdtParams, type Tree } from './types.js';
import type { TabularDataset } from '../../tabular/dataset.js';

export interface TrainOptions {
  /** Validation set for early stopping and the history's validMetric. */
  valid?: TabularDataset;
  /** Called after every round (progress bars, logging). */
  onRound?: (info: { round: number; trainLogloss?: number; validMetric?: number; bestRound: number }) => void;
  /**
   * Start from this model's trees (transfer learning / warm start): its margins are the starting
   * point and new trees are added on top. Features must match by name and order.
   */
  initModel?: GbdtModel;
}

export function checkDataset(ds: TabularDataset, what: string): void {
  const nF = ds.features.length;
  if (ds.columns.length !== nF) throw new RangeError(`${what}: ${ds.columns.length} columns for ${nF} features`);
  const n = ds.labels.length;
  ds.columns.forEach((c, f) => {
    if (c.length !== n) throw new RangeError(`${what}: feature "${ds.features[f]!.name}" has ${c.length} values for ${n} labels`);
  });
  if (n === 0) throw new RangeError(`${what}: no rows`);
}

function treeValueByCodes(tree: Tree, codes: Uint8Array, base: number): number {
  if (tree.feature.length === 0) return tree.leafValue[0]!;
  let node = 0;
  for (;;) {
    const code = codes[base + tree.feature[node]!]!;
    const goLeft = code === MISSING_BIN ? tree.defaultLeft[node] === 1 : tree.kind[node] === 1 ? code === tree.bin[node] : code <= tree.bin[node]!;
    const next = goLeft ? tree.left[node]! : tree.right[node]!;
    if (next < 0) return tree.leafValue[~next]!;
    node = next;
  }
}

export function resolveParams(p: Partial<GbdtParams> = {}): GbdtParams {
  const params = { ...DEFAULT_PARAMS, ...p };
  const positiveInt = ['nTrees', 'maxLeaves', 'maxBins', 'threads'] as const;
  for (const k of positiveInt) {
    if (!Number.isInteger(params[k]) || params[k] < 1) throw new RangeError(`GBDT parameter ${k} must be a positive integer (got ${params[k]})`);
  }
  if (params.maxLeaves < 2) throw new RangeError('GBDT parameter maxLeaves must be at least 2');
  // Rows remember their leaf in a Uint16Array between rounds (see trainGbdt).
  if (params.maxLeaves > 65536) throw new RangeError(`GBDT parameter maxLeaves must be at most 65536 (got ${params.maxLeaves})`);
  if (!(params.learningRate > 0)) throw new RangeError(`GBDT parameter learningRate must be > 0 (got ${params.learningRate})`);
  if (!(params.lambda >= 0)) throw new RangeError(`GBDT parameter lambda must be >= 0 (got ${params.lambda})`);
  if (!(params.scalePosWeight > 0)) throw new RangeError(`GBDT parameter scalePosWeight must be > 0 (got ${params.scalePosWeight})`);
  if (params.quantisedGradients !== 'auto' && typeof params.quantisedGradients !== 'boolean') throw new RangeError(`GBDT parameter quantisedGradients must be true, false or 'auto' (got ${String(params.quantisedGradients)})`);
  if (!(params.minDataInLeaf >= 1)) throw new RangeError(`GBDT parameter minDataInLeaf must be >= 1 (got ${params.minDataInLeaf})`);
  return params;
}

/** Train a binary GBDT. Labels are 0/1; features column-major float32 with NaN for missing. */
export async function trainGbdt(train: TabularDataset, paramsIn: Partial<GbdtParams> = {}, opts: TrainOptions = {}): Promise<GbdtModel> {
  const params = resolveParams(paramsIn);
  checkDataset(train, 'training set');
  if (opts.valid) {
    checkDataset(opts.valid, 'validation set');
    if (opts.valid.features.length !== train.features.length) throw new RangeError('validation set has a different number of features');
  }
  const n = train.labels.length;
  const nF = train.features.length;
  const y = train.labels;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i] ? 1 : 0;
  if (nPos === 0 || nPos === n) throw new RangeError(`training set has only one class (${nPos} positives of ${n})`);

  const init = opts.initModel;
  if (init) {
    const same = init.features.length === nF && init.features.every((f, i) => f.name === train.features[i]!.name);
    if (!same) throw new RangeError('initModel features differ from the training set features');
  }
  const shared = params.threads > 1;
  // Arrays the worker threads read or write live in SharedArrayBuffers.
  const share = <T extends Uint8Array | Uint16Array | Float32Array | Uint32Array | Float64Array>(a: T): T => (shared ? sharedCopy(a) : a);
  const alloc = <T extends Uint8Array | Uint16Array | Float32Array | Uint32Array | Float64Array>(C: new (b: ArrayBuffer | SharedArrayBuffer) => T, length: number, bytes: number): T =>
    new C(shared ? new SharedArrayBuffer(length * bytes) : new ArrayBuffer(length * bytes));
  const wantQuant = params.goss ? false : params.quantisedGradients === 'auto' ? n >= QUANTISE_MIN_ROWS : params.quantisedGradients;
  const quant = wantQuant ? quantScheme(n, params.scalePosWeight) ?? undefined : undefined;

  // Every row array is allocated (zeroed) first and the worker threads started on them, so that
  // their start-up (a thread and its module graph) overlaps the binning below; they only read the
  // arrays when given a job.
  // Quantised training runs its histograms, partitions and gradient pass as wasm (wasm/kernels.ts)
  // over one shared memory holding the arrays they touch; exact gradients (small data, GOSS) keep
  // the JS kernels, as does data too large for a wasm32 memory.
  const wasm = quant ? allocRowMemory(n, nF, params.threads, params.maxLeaves) : null;
  const views = wasm ? rowViews(wasm) : null;
  const codesByFeature = views?.codesByFeature ?? train.columns.map(() => alloc(Uint8Array, n, 1));
  const codes = views?.codes ?? alloc(Uint8Array, n * nF, 1);
  const margin = alloc(Float64Array, n, 8);
  const gh = views?.gh ?? alloc(Float64Array, quant ? n : 0, 8);
  const quantParams = share(new Float64Array(quant ? [1 / quant.gStep, 1 / quant.hStep, quant.twoK, 0] : [0, 0, 0, 0]));
  // Quantised training keeps exp(-margin) per row instead of the margin (grad-quant.ts); all factors 1 before the first tree.
  const expNeg = views?.expNeg ?? alloc(Float64Array, quant ? n : 0, 8);
  const leafExp = views?.leafExp.fill(1) ?? share(new Float64Array(params.maxLeaves).fill(1));
  // Exact gradients (quantised training packs them into gh instead).
  const grad = alloc(Float32Array, quant ? 0 : n, 4);
  const hess = alloc(Float32Array, quant ? 0 : n, 4);
  const idx = views?.idx ?? alloc(Uint32Array, n, 4);
  // The last tree's leaf of every row and the leaf values: the next gradient pass adds them to the
  // margins (sequentially, on every thread) instead of a serial scatter through the leaf segments.
  // All zero before the first tree (adding 0 leaves a margin unchanged).
  const leafOf = views?.leafOf ?? alloc(Uint16Array, n, 2);
  const leafValue = share(new Float64Array(params.maxLeaves));
  const sideTable = views?.sideTable ?? share(new Uint8Array(256));
  const pool: Float64Array[] = [];
  const counts = new Float64Array(nF * 256);
  const splittable = share(new Uint8Array(nF));
  const starting = createHistogramBuilder({
    codes, codesByFeature, nF, grad, hess, idx, right: views?.right ?? alloc(Uint32Array, n, 4), sideTable, margin, leafOf, leafValue, labels: views ? (views.labels.set(y), views.labels) : share(y), posWeight: params.scalePosWeight,
    gh, quant: quantParams, expNeg, leafExp, segStart: share(new Uint32Array(params.maxLeaves + 1)), segLeaf: share(new Uint16Array(params.maxLeaves)), splittable, wasm,
  }, params.threads, counts);

  // Everything up to the first round runs while the workers start; on an error they are stopped.
  let mapper: { nBins: number[]; edges: Float32Array[]; categorical: boolean[] };
  let baseScore: number;
  let priorTrees: Tree[];
  let vCodes: Uint8Array | undefined;
  let vMargin: Float64Array | undefined;
  const valid = opts.valid;
  try {
    // Bins: a warm start keeps the initial model's edges, so old and new trees share thresholds.
    mapper = init
      ? { nBins: init.binEdges.map((e, f) => (init.features[f]!.type === 'categorical' ? catBins(train.columns[f]!, init.features[f]!.categories?.length ?? 0) : e.length + 1)),
          edges: init.binEdges.map((e) => Float32Array.from(e)), categorical: init.features.map((f) => f.type === 'categorical') }
      : fitBins(train.columns, train.features, params.maxBins);
    mapper.nBins.forEach((nb, f) => {
      splittable[f] = nb >= 2 ? 1 : 0;
    });
    // Column-major codes first (partitioning reads one feature of a leaf's rows, sequentially), the
    // row-major copy for histograms from them.
    train.columns.forEach((col, f) => binColumn(mapper, f, col, codesByFeature[f]));
    interleave(codesByFeature, codes);
    counts.set(rootCounts(codesByFeature));

    baseScore = init ? init.baseScore : params.baseScore === 'prior' ? Math.log(nPos / (n - nPos)) : params.baseScore;
    margin.fill(baseScore);
    priorTrees = init ? init.trees.map((t) => structuredClone(t)) : [];
    for (const t of priorTrees) for (let r = 0; r < n; r++) margin[r] += treeValueByCodes(t, codes, r * nF);
    // Without prior trees every margin is baseScore: one exp, not one per row.
    if (priorTrees.length) for (let r = 0; r < expNeg.length; r++) expNeg[r] = Math.exp(-margin[r]!);
    else expNeg.fill(Math.exp(-baseScore));

    vCodes = valid ? binRowMajor(mapper, valid.columns) : undefined;
    vMargin = valid ? new Float64Array(valid.labels.length).fill(baseScore) : undefined;
    if (valid) for (const t of priorTrees) for (let r = 0; r < valid.labels.length; r++) vMargin![r] += treeValueByCodes(t, vCodes!, r * nF);
  } catch (err) {
    await starting.then((b) => b.close(), () => undefined);
    throw err;
  }
  const builder = await starting;

  const trees: Tree[] = [];
  const history: GbdtModel['history'] = [];
  let bestRound = 0;
  let bestMetric = Infinity; // lower is better (AUC is negated)
  const gainImp = new Array<number>(nF).fill(0);
  const splitImp = new Array<number>(nF).fill(0);
  const w = params.scalePosWeight;
  const rng = params.goss ? new Prng(params.seed) : undefined;
  try {
    for (let round = 1; round <= params.nTrees; round++) {
      // The training loss costs a log per row: computed every 10th round and on the first and last.
      const withLoss = round % 10 === 0 || round === params.nTrees || round === 1;
      let loss = 0;
      let rows = n;
      let rootHist: Float64Array | undefined;
      if (params.goss) {
        for (let r = 0; r < n; r++) {
          const p = 1 / (1 + Math.exp(-margin[r]!));
          const pos = y[r] === 1;
          if (withLoss) loss += rowLogLoss(p, pos);
          const wr = pos ? w : 1;
          grad[r] = (pos ? p - 1 : p) * wr;
          hess[r] = Math.max(p * (1 - p), 1e-16) * wr;
          idx[r] = r;
        }
        rows = gossSample(grad, hess, idx, params.goss, rng!);
      } else {
        // Last tree's margin update, gradients, loss and the root histogram in one pass (on every thread).
        rootHist = pool.pop() ?? new Float64Array(histSize(nF, quant !== undefined));
        rootHist.fill(0);
        quantParams[3] = roundSalt(params.seed, round);
        loss = await builder.gradientsAndRoot(rootHist, n, withLoss);
      }
      const { tree, segments } = await growTree({ nF, nBins: mapper.nBins, categorical: mapper.categorical, edges: mapper.edges, grad, hess, idx, sideTable, nRows: rows, identity: rows === n, params, builder, pool, rootHist, quant });
      trees.push(tree);
      if (!params.goss) {
        // Deferred: the next round's gradient pass adds leafValue[leafOf[r]] to the margins.
        // leafOf through the segments: a scatter over all rows, split across the threads.
        segments.forEach((_, leaf) => {
          leafValue[leaf] = tree.leafValue[leaf]!;
          leafExp[leaf] = Math.exp(-tree.leafValue[leaf]!);
        });
        await builder.assignLeaves(segments, n);
      } else {
        for (let r = 0; r < n; r++) margin[r] += treeValueByCodes(tree, codes, r * nF);
      }
      const entry: GbdtModel['history'][number] = { round, trainLogloss: withLoss ? loss / n : undefined };
      if (valid) {
        const nv = valid.labels.length;
        for (let r = 0; r < nv; r++) vMargin![r] += treeValueByCodes(tree, vCodes!, r * nF);
        const m = params.evalMetric === 'auc' ? rocAuc(vMargin!, valid.labels) : logloss(Array.from(vMargin!, sigmoid), valid.labels);
        entry.validMetric = m;
        const score = params.evalMetric === 'auc' ? -m : m;
        if (score < bestMetric - 1e-12) {
          bestMetric = score;
          bestRound = round;
        }
      } else {
        bestRound = round;
      }
      history.push(entry);
      opts.onRound?.({ round, trainLogloss: entry.trainLogloss, validMetric: entry.validMetric, bestRound });
      if (valid && params.earlyStoppingRounds > 0 && round - bestRound >= params.earlyStoppingRounds) break;
    }
  } finally {
    await builder.close();
  }
  const kept = trees.slice(0, bestRound);
  for (const t of kept) {
    t.feature.forEach((f, i) => {
      gainImp[f] += t.gain[i]!;
      splitImp[f]++;
    });
  }
  return {
    format: 'verde-gbdt',
    formatVersion: 1,
    features: train.features.map((f) => ({ ...f })),
    baseScore,
    trees: [...priorTrees, ...kept],
    params,
    binEdges: mapper.edges.map((e) => Array.from(e)),
    bestIteration: priorTrees.length + bestRound,
    history,
    importance: { gain: gainImp, splits: splitImp },
  };
}

function catBins(col: Float32Array, declared: number): number {
  let max = -1;
  for (let i = 0; i < col.length; i++) if (col[i]! > max) max = col[i]!;
  return Math.max(1, Math.min(255, Math.max(declared, max + 1)));
}

/** Features ranked by total split gain (with their share of the total). */
export function featureImportance(model: GbdtModel): { name: string; gain: number; share: number; splits: number }[] {
  const total = model.importance.gain.reduce((a, b) => a + b, 0) || 1;
  return model.features
    .map((f, i) => ({ name: f.name, gain: model.importance.gain[i]!, share: model.importance.gain[i]! / total, splits: model.importance.splits[i]! }))
    .sort((a, b) => b.gain - a.gain);
}

/**
 * GOSS: keep the rows with the largest |gradient| (about topRate of them, threshold from a sample)
 * and a random otherRate share of the rest, whose gradients and hessians are scaled by
 * (1 - topRate) / otherRate so the histograms stay unbiased. Writes the kept rows, in order, to
 * idx[0..k) and returns k.
 */
export function gossSample(grad: Float32Array, hess: Float32Array, idx: Uint32Array, goss: { topRate: number; otherRate: number }, rng: Prng): number {
  const n = grad.length;
  const { topRate, otherRate } = goss;
  if (!(topRate > 0 && otherRate > 0 && topRate + otherRate < 1)) throw new RangeError('GOSS rates must be > 0 and sum to less than 1');
  const sampleSize = Math.min(n, 20_000);
  const sample = new Float32Array(sampleSize);
  for (let i = 0; i < sampleSize; i++) sample[i] = Math.abs(grad[rng.int(n)]!);
  sample.sort();
  const threshold = sample[Math.min(sampleSize - 1, Math.floor(sampleSize * (1 - topRate)))]!;
  const keep = otherRate / (1 - topRate);
  const amplify = (1 - topRate) / otherRate;
  let k = 0;
  for (let r = 0; r < n; r++) {
    if (Math.abs(grad[r]!) >= threshold) idx[k++] = r;
    else if (rng.next() < keep) {
      grad[r] = grad[r]! * amplify;
      hess[r] = hess[r]! * amplify;
      idx[k++] = r;
    }
  }
  return k;
}
