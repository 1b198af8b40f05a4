/**
 * The registry side of `verde text` (kept out of the command file): the data's source hash known
 * before training (the --data file's bytes, or the dataset id with the sample size and seed), the
 * reuse warning, and registering the run's variants (base, pruned, quantised) with lineage.
 * Text fingerprints carry no token-length reference yet (the text case does not hand its training
 * texts out), so the audit cannot judge text drift for them; docs/registry.md says so.
 */
import type { DataFingerprint, ModelRecord } from '../registry/db/index.js';
import { parseTargetMetric, registerRunModels, warnReusable } from './case-registry.js';
import { fileSourceHash, specSourceHash } from './fingerprint.js';

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

export async function registerTextRun(flags: TextRegistryFlags, src: { hash: string; source: string }, run: { out: string; results: { labels: string[]; variants: { name: string }[] } }): Promise<ModelRecord[]> {
  const data: DataFingerprint = { hash: src.hash, source: src.source, rows: null, schema: [{ name: 'text', type: 'text' }, { name: 'label', type: 'categorical' }], labelBalance: {}, profile: [], reference: {} };
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dirs = run.results.variants.map((v) => join('models', v.name)).filter((d) => existsSync(join(run.out, d, 'verde.json')));
  const out = await registerRunModels({ registry: flags.registry, token: flags.token, outDir: run.out, modelDirs: dirs, prefix: 'text-', data });
  for (const m of out) process.stderr.write(`verde: registered ${m.name}@${m.version}${m.lineage.parent ? ` (from ${m.lineage.parent})` : ''}\n`);
  return out;
}
