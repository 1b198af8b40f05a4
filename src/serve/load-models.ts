/**
 * Load the model directories named on the command line (and the cascades) into ServedModels:
 * open each directory (src/registry/model-dir.ts: the manifest read once and checked against
 * model.onnx and its stage files before any worker starts), start one inference worker per directory, and
 * check what must agree (unique names, a cascade's two models on the same task and labels).
 */
import { resolve } from 'node:path';
import { MANIFEST_FILE, type ModelManifest } from '../registry/manifest.js';
import { openModelDir } from '../registry/model-dir.js';
import { loadTokenizer, textEncoderFor, type TextEncoder } from '../tokenizers/index.js';
import { UserError } from '../util/errors.js';
import { WorkerGroup } from './worker-group.js';
import type { ServeOptions } from './options.js';
import { CascadePredictor, SinglePredictor } from './predictors.js';
import { ServedModel, type ServedModelDeps } from './served-model.js';

/** The threshold a model's worker runs its early-exit stages with, or null to run model.onnx whole. */
/** The early-exit threshold a served model runs with: the flag's (null = off), else its manifest's. */
export function exitThresholdFor(m: ModelManifest, opt: number | null | undefined): number | null {
  if (!m.earlyExit || m.earlyExit.stages.length === 0 || opt === null) return null;
  const t = opt ?? m.earlyExit.threshold;
  if (t === null) return null; // calibration found no threshold that keeps the accuracy: off unless asked
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new UserError(`--exit-threshold: expected a probability or "off" (got ${JSON.stringify(t)})`);
  return t;
}

/** A cascade's two models must answer the same question: same task, same labels in the same order. */
export function checkCascadePair(ms: ModelManifest, ml: ModelManifest, where: string): void {
  if (ms.task !== ml.task) throw new UserError(`${where}: the small model is ${ms.task} but the large one is ${ml.task}`);
  if (ms.labels.join('\u0000') !== ml.labels.join('\u0000')) {
    throw new UserError(`${where}: the models' labels differ ([${ms.labels.join(', ')}] vs [${ml.labels.join(', ')}])`);
  }
}

async function tokenizerFor(dir: string, m: ModelManifest): Promise<TextEncoder | null> {
  return m.task === 'text-classification' ? textEncoderFor(m.featuriser, m.text!.maxLength, () => loadTokenizer(dir)) : null;
}

/** One model directory's ServedModel, its inference workers starting (`ready` once they answer). */
async function startModel(
  dir: string,
  m: ModelManifest,
  name: string,
  scopePrefix: string,
  opts: Pick<ServeOptions, 'workers' | 'threads' | 'exitThreshold'>,
  deps: ServedModelDeps,
): Promise<{ model: ServedModel; ready: Promise<void> }> {
  const threshold = exitThresholdFor(m, opts.exitThreshold);
  const worker = new WorkerGroup(dir, m, opts.workers, opts.threads, threshold);
  const model = new ServedModel(name, m.version, `${scopePrefix}${m.version}|exit=${threshold ?? 'off'}`, new SinglePredictor(worker), await tokenizerFor(dir, m), deps, {
    task: m.task,
    labels: m.labels,
    earlyExit: threshold === null ? null : { stages: m.earlyExit!.stages.length, threshold },
  });
  return { model, ready: worker.ready };
}

/**
 * Load one model directory at run time (a hot swap, model-source.ts) under `name` (null: its
 * manifest's), and resolve once
 * its workers are ready. `scope` keeps its cache entries apart from every other version's (two
 * versions may share a manifest version). Fails with a UserError, leaving nothing running.
 */
export async function loadModelDir(dir: string, name: string | null, scope: string, opts: Pick<ServeOptions, 'workers' | 'threads' | 'exitThreshold'>, deps: ServedModelDeps): Promise<ServedModel> {
  return startWhenReady(`model ${dir}`, async () => {
    const m = (await openModelDir(dir)).manifest;
    return startModel(dir, m, name ?? m.name, `${scope}|`, opts, deps);
  });
}

/**
 * Start a model at run time and resolve once its workers answer; on any failure close what started
 * and fail with one line naming `what` (a hot swap must never leave a half-loaded version running).
 */
async function startWhenReady(what: string, start: () => Promise<{ model: ServedModel; ready: Promise<void> }>): Promise<ServedModel> {
  let model: ServedModel | undefined;
  try {
    const started = await start();
    model = started.model;
    await started.ready;
    return model;
  } catch (err) {
    await model?.predictor.close().catch(() => undefined);
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot load ${what}: ${(err as Error).message}`);
  }
}

/** A cascade of two model directories served as one model (its workers starting; `ready` once they answer). */
async function startCascade(
  smallDir: string,
  largeDir: string,
  name: string,
  scopePrefix: string,
  opts: Pick<ServeOptions, 'workers' | 'threads' | 'exitThreshold' | 'cascadeThreshold'>,
  deps: ServedModelDeps,
  where: string,
): Promise<{ model: ServedModel; ready: Promise<void> }> {
  const [ms, ml] = [(await openModelDir(smallDir)).manifest, (await openModelDir(largeDir)).manifest];
  checkCascadePair(ms, ml, where);
  const small = new WorkerGroup(smallDir, ms, opts.workers, opts.threads, exitThresholdFor(ms, opts.exitThreshold));
  const large = new WorkerGroup(largeDir, ml, opts.workers, opts.threads, exitThresholdFor(ml, opts.exitThreshold));
  const predictor = new CascadePredictor(small, large, opts.cascadeThreshold);
  const version = `${ms.version}|${ml.version}`;
  const model = new ServedModel(name, version, `${scopePrefix}${version}|cascade=${opts.cascadeThreshold}|exit=${opts.exitThreshold ?? 'manifest'}`, predictor, await tokenizerFor(smallDir, ms), deps, {
    task: ml.task,
    labels: ml.labels,
    cascade: { small: ms.name, large: ml.name, threshold: opts.cascadeThreshold },
  });
  return { model, ready: predictor.ready };
}

/**
 * A cascade a pointer file names (hot swap, `--watch`), served as `name`, resolved once its workers
 * are ready; fails with a UserError, leaving nothing running.
 */
export async function loadCascadeDirs(smallDir: string, largeDir: string, name: string, scope: string, opts: Pick<ServeOptions, 'workers' | 'threads' | 'exitThreshold' | 'cascadeThreshold'>, deps: ServedModelDeps): Promise<ServedModel> {
  const where = `cascade small=${smallDir},large=${largeDir}`;
  return startWhenReady(where, () => startCascade(smallDir, largeDir, name, `${scope}|`, opts, deps, where));
}

export async function loadServedModels(opts: ServeOptions, deps: ServedModelDeps): Promise<ServedModel[]> {
  const served: ServedModel[] = [];
  const names = new Set<string>();
  const claim = (name: string, where: string) => {
    if (names.has(name)) throw new UserError(`${where}: a model named "${name}" is already served (names come from ${MANIFEST_FILE}'s "name")`);
    names.add(name);
  };
  try {
    for (const dirArg of opts.models) {
      const dir = resolve(dirArg);
      const m = (await openModelDir(dir)).manifest;
      claim(m.name, `--model ${dirArg}`);
      const { model, ready } = await startModel(dir, m, m.name, '', opts, deps);
      served.push(model);
      await ready;
    }
    for (const c of opts.cascades) {
      const where = `--cascade small=${c.small},large=${c.large}`;
      const name = c.name ?? 'cascade';
      claim(name, where);
      const { model, ready } = await startCascade(resolve(c.small), resolve(c.large), name, '', opts, deps, where);
      served.push(model);
      await ready;
    }
  } catch (err) {
    await Promise.all(served.map((s) => s.predictor.close().catch(() => undefined)));
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot load model: ${(err as Error).message}`);
  }
  return served;
}
