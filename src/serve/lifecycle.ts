/**
 * The model life cycle of one server (issue 15): which version of each model name is served
 * (model-source.ts), the pointer files that change it (pointer-watch.ts), and the usage statistics
 * of every served version (usage.ts, usage-writer.ts). server.ts holds one of these.
 */
import { resolve } from 'node:path';
import { loadCascadeDirs, loadModelDir } from './load-models.js';
import { ModelSource, type Slot } from './model-source.js';
import type { ServeOptions } from './options.js';
import { PointerWatcher, pointerTarget, type Pointer } from './pointer-watch.js';
import type { ServedModel, ServedModelDeps } from './served-model.js';
import type { ServeMetrics } from './serve-metrics.js';
import { UsageStats } from './usage.js';
import { UsageWriter } from './usage-writer.js';

function usageFor(model: ServedModel, version: number | string, modelDir: string): UsageStats {
  const m = model.manifest;
  return new UsageStats({
    name: model.name,
    version,
    modelDir,
    task: m.task,
    ...(m.tabular ? { featureNames: m.tabular.features.map((f) => f.name) } : {}),
    ...(m.task === 'text-classification' ? { tokenCount: (t: string) => model.tokenCount(t) } : {}),
  });
}

export class ServeLifecycle {
  readonly source: ModelSource;
  readonly usage: UsageWriter;
  private readonly watcher: PointerWatcher;
  private loads = 0;

  constructor(opts: ServeOptions, metrics: ServeMetrics, deps: ServedModelDeps) {
    this.source = new ModelSource(metrics, (s) => this.usage.retire(s.usage));
    const registry = opts.registry !== undefined ? resolve(opts.registry) : undefined;
    this.usage = new UsageWriter({ ...(registry !== undefined ? { registry } : {}), ...(opts.usageOut !== undefined ? { out: resolve(opts.usageOut) } : {}), intervalMs: opts.usageFlushMs }, () =>
      this.source.slotsNow().map((s) => s.usage),
    );
    const load = async (p: Pointer): Promise<Slot> => {
      // Each loaded version gets a cache scope of its own: two versions may share a manifest version.
      const scope = `swap${++this.loads}:${p.version}`;
      const model = p.large !== undefined
        ? await loadCascadeDirs(p.dir, p.large, p.name ?? 'cascade', scope, opts, deps)
        : await loadModelDir(p.dir, p.name ?? null, scope, opts, deps);
      return ModelSource.slot(model, String(p.version), usageFor(model, p.version, pointerTarget(p)));
    };
    this.watcher = new PointerWatcher(
      { watch: opts.watch, ...(registry !== undefined ? { registry } : {}), ...(opts.alias !== undefined ? { alias: opts.alias } : {}), intervalMs: opts.watchIntervalMs },
      this.source,
      load,
    );
  }

  /** Models loaded at start from --model / --cascade (dirs: where each came from). */
  addStatic(models: ServedModel[], dirs: string[]): void {
    models.forEach((m, i) => this.source.add(ModelSource.slot(m, m.version, usageFor(m, 0, dirs[i] ?? ''))));
  }

  /** Load what the pointers name now, then follow them; start the usage flushes. */
  async start(): Promise<void> {
    await this.watcher.start();
    this.usage.start();
  }

  /** Shutdown, first step: no more swaps. */
  stopWatching(): Promise<void> {
    return this.watcher.stop();
  }
}
