/**
 * A `verde serve` session in the run store: saved under one run id every RECORD_INTERVAL_MS while
 * it runs (status "running", so a crash still leaves the figures up to the last save) and once more
 * at shutdown (status "complete").
 */
import { randomUUID } from 'node:crypto';
import type { Slot } from '../serve/model-source.js';
import type { RunningServer } from '../serve/server.js';
import { serveRun, type ServedVersion } from './from-cases.js';
import { recordRun } from './record.js';

export const RECORD_INTERVAL_MS = 60_000;

/**
 * One entry per version served: a registry or pointer version is named NAME@VERSION (a name that
 * served versions 1 and 2 gets two rows), a model served from --model keeps its plain name; each
 * carries its own figures (what that loaded version answered and used).
 */
export function servedVersions(slots: Slot[]): ServedVersion[] {
  return slots.map((s) => ({
    name: s.usage.id.version === 0 ? s.model.name : `${s.model.name}@${s.version}`,
    modelName: s.model.name,
    task: s.model.manifest.task,
    ...(s.usage.id.modelDir ? { dir: s.usage.id.modelDir } : {}),
    totals: { ...s.model.totals },
  }));
}

export function startServeRecording(server: RunningServer, flags: Record<string, unknown>, store?: string, country?: string, intervalMs = RECORD_INTERVAL_MS): { stop(): void } {
  const id = randomUUID();
  const startedAt = new Date().toISOString();
  // Read at every save, not at start: hot swaps (--watch, --registry --alias) add versions while it runs.
  const models = () => servedVersions(server.lifecycle.source.everServed());
  const save = (status: 'running' | 'complete') => recordRun(serveRun(id, startedAt, flags, models(), server.metrics, status, country), store);
  const timer = setInterval(() => save('running'), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      save('complete');
    },
  };
}
