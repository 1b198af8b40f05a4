/**
 * `verde fraud --register` and `verde text --register`: before training, warn when the registry
 * already holds a model for the same task, labels and data (the data fingerprint's source hash)
 * that meets --target-metric (reuse before building); after the run, register every model directory
 * it wrote, parents first, with its figures from results.json, the data fingerprint and lineage.
 */
import { basename, join } from 'node:path';
import { UserError } from '../util/errors.js';
import { allModels, openRegistry, registerModelDir, type ModelRecord } from '../registry/db/index.js';
import type { DataFingerprint } from '../registry/db/types.js';
import { readManifest } from '../registry/manifest.js';
import { figuresFromRun, primaryMetric } from './run-results.js';

export interface TargetMetric { metric: string; value: number }

/** --target-metric NAME=VALUE (e.g. prAuc=0.8, accuracy=0.9); a bare number targets the task's primary metric. */
export function parseTargetMetric(s: string | undefined, task: string): TargetMetric | undefined {
  if (s === undefined) return undefined;
  const [a, b] = s.includes('=') ? s.split('=', 2) as [string, string] : [primaryMetric(task), s];
  const value = Number(b);
  if (!a || !Number.isFinite(value)) throw new UserError(`--target-metric: "${s}" must be METRIC=VALUE, e.g. ${primaryMetric(task)}=0.8`);
  return { metric: a, value };
}

export interface ReuseQuery { task: string; dataHash: string; labels?: string[]; target?: TargetMetric }

/** Registered, checked-out models for the same task, labels and data that meet the target. */
export function reusableModels(all: ModelRecord[], q: ReuseQuery): ModelRecord[] {
  const metric = q.target?.metric ?? primaryMetric(q.task);
  return all
    .filter((m) => m.status === 'active' && m.task === q.task && m.data?.hash === q.dataHash)
    .filter((m) => !q.labels || JSON.stringify(m.labels) === JSON.stringify(q.labels))
    .filter((m) => !q.target || (m.metrics[q.target.metric] ?? -Infinity) >= q.target.value)
    .sort((a, b) => (b.metrics[metric] ?? -Infinity) - (a.metrics[metric] ?? -Infinity));
}

/** Print the reuse warning (stderr) when the registry at `registry` holds such a model; never fails the run. */
export function warnReusable(registry: string | undefined, q: ReuseQuery, write: (l: string) => void = (l) => process.stderr.write(l + '\n')): ModelRecord[] {
  let found: ModelRecord[] = [];
  try {
    const reg = openRegistry({ registry, create: false });
    try {
      found = reusableModels(allModels(reg.db), q);
    } finally {
      reg.close();
    }
  } catch (err) {
    if (err instanceof UserError && /no model registry here/.test(err.message)) return [];
    throw err;
  }
  if (found.length > 0) {
    const metric = q.target?.metric ?? primaryMetric(q.task);
    const best = found[0]!;
    const shown = best.metrics[metric] !== undefined ? `${metric} ${best.metrics[metric]!.toFixed(4)}` : 'no metric recorded';
    write(`verde: reuse before building: the registry already holds ${found.length} model(s) for this task, labels and data${q.target ? ` meeting ${q.target.metric} >= ${q.target.value}` : ''}; best ${best.name}@${best.version} (${shown}, ${best.energy.jPerInference?.toExponential(2) ?? "n/a"} J/inference ${best.energy.method}); serve it with verde serve --registry ... or verde serve <registry>/checkouts/${best.name}/${best.version}`);
  }
  return found;
}

/**
 * Register the model directories of a run (`<out>/models/<variant>`) as <prefix><variant>, parents
 * before children; a lineage parent names a variant (text) or a manifest name (fraud), both mapped.
 */
export async function registerRunModels(o: { registry?: string; token?: string; outDir: string; modelDirs: string[]; prefix: string; data: DataFingerprint | null | ((dir: string) => Promise<DataFingerprint>) }): Promise<ModelRecord[]> {
  const reg = openRegistry({ registry: o.registry, token: o.token });
  try {
    const manifests = await Promise.all(o.modelDirs.map(async (d) => ({ dir: join(o.outDir, d), variant: basename(d), m: await readManifest(join(o.outDir, d)) })));
    const registryName = new Map<string, string>();
    for (const x of manifests) {
      registryName.set(x.m.name, `${o.prefix}${x.variant}`);
      registryName.set(x.variant, `${o.prefix}${x.variant}`);
    }
    const depth = (x: (typeof manifests)[number]): number => {
      const p = x.m.lineage?.parent;
      const parent = p ? manifests.find((y) => y !== x && (y.variant === p || y.m.name === p)) : undefined;
      return parent ? 1 + depth(parent) : 0;
    };
    manifests.sort((a, b) => depth(a) - depth(b));
    const out: ModelRecord[] = [];
    for (const { dir, variant, m } of manifests) {
      const figures = await figuresFromRun(dir);
      const parent = m.lineage?.parent;
      out.push(await registerModelDir(reg, dir, {
        name: `${o.prefix}${variant}`,
        metrics: figures?.metrics,
        energy: figures?.energy,
        data: typeof o.data === 'function' ? await o.data(dir) : o.data,
        parentName: parent ? (registryName.get(parent) ?? parent) : undefined,
      }));
    }
    return out;
  } finally {
    reg.close();
  }
}
