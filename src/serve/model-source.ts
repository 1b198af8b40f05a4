/**
 * The models a server answers for, by name, each at a current version that may change while it runs
 * (hot swap: `--watch`, `--registry --alias`). Requests look their model up by name on every request
 * and hold a lease on the version they got until they are answered, so a swap never fails one:
 *   1. the new version is loaded and its workers ready (the caller does this before `swap`);
 *   2. the name points at it: every request from now on goes to the new version;
 *   3. the old version's queue is flushed, every request holding it is answered, then it is closed.
 */
import { ComputedGauge, Counter } from './metrics.js';
import type { ServedModel } from './served-model.js';
import type { ServeMetrics } from './serve-metrics.js';
import { UsageStats } from './usage.js';

export interface Slot {
  model: ServedModel;
  /** What X-Verde-Model-Version says: the registry or pointer version, else the manifest's version. */
  version: string;
  usage: UsageStats;
  /** Requests holding this version (looked up, not yet answered). */
  inflight: number;
  /** Set once the slot no longer takes new requests; resolves its drain wait when inflight reaches 0. */
  retired: (() => void) | null;
}

export class ModelSource {
  private readonly slots = new Map<string, Slot>();
  /** Every version served since start, in the order it began serving (the run store records them all). */
  private readonly history: Slot[] = [];
  /** Versions swapped out or removed and still draining. */
  private readonly draining = new Set<Promise<void>>();
  readonly swaps: Counter;
  readonly swapFailures: Counter;

  constructor(metrics: ServeMetrics, private readonly onRetired: (slot: Slot) => void = () => {}) {
    const r = metrics.registry;
    r.add(new ComputedGauge('verde_model_version_info', 'The version each model name serves now (1 per name).', () => [...this.slots.values()].map((s) => ({ labels: { model: s.model.name, version: s.version }, value: 1 }))));
    this.swaps = r.add(new Counter('verde_model_swaps_total', 'Hot swaps completed (new version ready and routed), by model; the first load of a watched model counts too.'));
    this.swapFailures = r.add(new Counter('verde_model_swap_failures_total', 'Hot swaps refused (bad pointer file or model directory); the old version kept serving.'));
  }

  static slot(model: ServedModel, version: string, usage: UsageStats): Slot {
    return { model, version, usage, inflight: 0, retired: null };
  }

  get(name: string): Slot | undefined {
    return this.slots.get(name);
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  /** The models served now, one per name. */
  models(): ServedModel[] {
    return [...this.slots.values()].map((s) => s.model);
  }

  slotsNow(): Slot[] {
    return [...this.slots.values()];
  }

  /** Every version served since start, swapped-out and removed ones included, in the order each began. */
  everServed(): Slot[] {
    return [...this.history];
  }

  /** Take the current version of `name` for one request; give it back with release(). */
  acquire(name: string): Slot | undefined {
    const s = this.slots.get(name);
    if (s) s.inflight++;
    return s;
  }

  release(s: Slot): void {
    if (--s.inflight === 0 && s.retired) s.retired();
  }

  /** A model served from start (no swap counted). */
  add(slot: Slot): void {
    this.slots.set(slot.model.name, slot);
    this.history.push(slot);
  }

  /**
   * Route `name` to `next` (loaded and ready) and retire the version it replaces. Resolves once the
   * old version has answered everything it held and is closed.
   */
  async swap(next: Slot): Promise<void> {
    const name = next.model.name;
    const old = this.slots.get(name);
    this.slots.set(name, next);
    this.history.push(next);
    this.swaps.inc({ model: name });
    if (old) await this.retire(old);
  }

  /** Stop serving `name` (its pointer is gone): new requests get 404, the ones it holds are answered. */
  async remove(name: string): Promise<void> {
    const old = this.slots.get(name);
    if (!old) return;
    this.slots.delete(name);
    await this.retire(old);
  }

  private retire(s: Slot): Promise<void> {
    const done = (async () => {
      const idle = new Promise<void>((resolve) => (s.retired = resolve));
      // Flush its queue now (no batching delay); requests that looked it up and have not yet
      // queued (awaiting the cache) still may, so wait for the last lease too.
      await s.model.drain();
      if (s.inflight > 0) await idle;
      await s.model.drain();
      await s.model.predictor.close();
      this.onRetired(s);
    })();
    this.draining.add(done);
    void done.finally(() => this.draining.delete(done)).catch(() => undefined);
    return done;
  }

  /** Shutdown: flush every queue (current and retiring versions) and wait for them. */
  async drainAll(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.model.drain()));
    await Promise.allSettled([...this.draining]);
  }

  /** Shutdown, after drainAll and the HTTP server closed: release every worker. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.draining]);
    await Promise.all([...this.slots.values()].map((s) => s.model.predictor.close()));
  }
}
