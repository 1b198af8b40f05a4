/**
 * The registry side of `verde fraud` (kept out of the command file): the data's source hash known
 * before training (the --data file's bytes, or the generator's rows and seed), the reuse warning, and
 * registering the run's model directories with the training rows' fingerprint.
 */
import type { FeatureSpec } from '../tabular/dataset.js';
import type { Matrix } from '../tabular/matrix.js';
import type { ModelRecord } from '../registry/db/index.js';
import { warnReusable, parseTargetMetric, registerRunModels } from './case-registry.js';
import { fileSourceHash, specSourceHash, tabularFingerprint } from './fingerprint.js';

export interface FraudRegistryFlags { register?: boolean; registry?: string; targetMetric?: string; token?: string }

const TASK = 'tabular-classification';

export async function fraudDataSource(o: { dataFile?: string; rows?: number; seed: number }): Promise<{ hash: string; source: string }> {
  if (o.dataFile) return { hash: await fileSourceHash(o.dataFile), source: `file ${o.dataFile}` };
  return { hash: specSourceHash({ generator: 'verde-fraud-transactions', rows: o.rows, seed: o.seed }), source: `generated: ${o.rows} rows, seed ${o.seed}` };
}

/**
 * Before training (only with --register or --target-metric: hashing a large file costs time): the
 * data's source, after warning when a registered model could be reused; null when not asked.
 */
export async function fraudRegistryStart(flags: FraudRegistryFlags, o: { dataFile?: string; rows?: number; seed: number }): Promise<{ hash: string; source: string } | null> {
  if (!flags.register && flags.targetMetric === undefined) return null;
  const src = await fraudDataSource(o);
  warnReusable(flags.registry, { task: TASK, dataHash: src.hash, target: parseTargetMetric(flags.targetMetric, TASK) });
  return src;
}

/** After the run: register every model directory it wrote as fraud-<name>. */
export async function registerFraudRun(flags: FraudRegistryFlags, src: { hash: string; source: string }, run: {
  outDir: string; results: { models: { modelDir?: string }[] }; data: { features: FeatureSpec[]; labels: string[]; train: { x: Matrix; y: Uint8Array } };
}): Promise<ModelRecord[]> {
  const data = tabularFingerprint({ hash: src.hash, source: src.source, features: run.data.features, x: run.data.train.x, y: run.data.train.y, labels: run.data.labels });
  const dirs = run.results.models.map((m) => m.modelDir).filter((d): d is string => !!d);
  const out = await registerRunModels({ registry: flags.registry, token: flags.token, outDir: run.outDir, modelDirs: dirs, prefix: 'fraud-', data });
  for (const m of out) process.stderr.write(`verde: registered ${m.name}@${m.version}${m.lineage.parent ? ` (from ${m.lineage.parent})` : ''}\n`);
  return out;
}
