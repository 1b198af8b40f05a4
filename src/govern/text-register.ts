/**
 * The registry side of `verde text` (kept out of the command file): the data's source hash known
 * before training (the --data file's bytes, or the dataset id with the sample size and seed), the
 * reuse warning, and registering the run's variants (base, pruned, quantised) with lineage.
 * Each registered variant's fingerprint carries the training split's rows and label balance and a
 * token-length reference counted by that variant's own encoder (text-reference.ts), so the audit
 * judges text drift from the token lengths and predicted labels `verde serve` records.
 */
import type { DataFingerprint, ModelRecord } from '../registry/db/index.js';
import { parseTargetMetric, registerRunModels, warnReusable } from './case-registry.js';
import { fileSourceHash, specSourceHash } from './fingerprint.js';
import { textFingerprint, type TextTraining } from './text-reference.js';

export interface TextRegistryFlags { register?: boolean; registry?: string; targetMetric?: string; token?: string }

const TASK = 'text-classification';

export async function textDataSource(o: { data?: string; dataset?: string; trainSize: number; seed: number }): Promise<{ hash: string; source: string }> {
  const base = o.data ? await fileSourceHash(o.data) : o.dataset ?? 'spam-assassin';
  return { hash: specSourceHash({ data: base, trainSize: o.trainSize, seed: o.seed }), source: `${o.data ? `file ${o.data}` : `dataset ${base}`}, ${o.trainSize} training samples, seed ${o.seed}` };
}

/** Before training (only with --register or --target-metric): the data's source, after the reuse warning; null when not asked. */
export async function textRegistryStart(flags: TextRegistryFlags, o: { data?: string; dataset?: string; trainSize: number; seed: number }): Promise<{ hash: string; source: string } | null> {
  if (!flags.register && flags.targetMetric === undefined) return null;
  const src = await textDataSource(o);
  warnReusable(flags.registry, { task: TASK, dataHash: src.hash, target: parseTargetMetric(flags.targetMetric, TASK) });
  return src;
}

export async function registerTextRun(flags: TextRegistryFlags, src: { hash: string; source: string }, run: { out: string; results: { labels: string[]; variants: { name: string }[] }; training?: TextTraining }): Promise<ModelRecord[]> {
  const data: DataFingerprint = { hash: src.hash, source: src.source, rows: null, schema: [{ name: 'text', type: 'text' }, { name: 'label', type: 'categorical' }], labelBalance: {}, profile: [], reference: {} };
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dirs = run.results.variants.map((v) => join('models', v.name)).filter((d) => existsSync(join(run.out, d, 'verde.json')));
  const training = run.training;
  const out = await registerRunModels({ registry: flags.registry, token: flags.token, outDir: run.out, modelDirs: dirs, prefix: 'text-', data: training ? (dir) => textFingerprint(data, dir, training) : data });
  for (const m of out) process.stderr.write(`verde: registered ${m.name}@${m.version}${m.lineage.parent ? ` (from ${m.lineage.parent})` : ''}\n`);
  return out;
}
