/**
 * A `verde serve` session in the run store: saved under one run id every RECORD_INTERVAL_MS while
 * it runs (status "running", so a crash still leaves the figures up to the last save) and once more
 * at shutdown (status "complete").
 */
import { randomUUID } from 'node:crypto';
import type { RunningServer } from '../serve/server.js';
import { serveRun } from './from-cases.js';
import { recordRun } from './record.js';

export const RECORD_INTERVAL_MS = 60_000;

export function startServeRecording(server: RunningServer, flags: Record<string, unknown>, store?: string, country?: string, intervalMs = RECORD_INTERVAL_MS): { stop(): void } {
  const id = randomUUID();
  const startedAt = new Date().toISOString();
  const models = server.models.map((m) => ({ name: m.name, task: m.manifest.task }));
  const save = (status: 'running' | 'complete') => recordRun(serveRun(id, startedAt, flags, models, server.metrics, status, country), store);
  const timer = setInterval(() => save('running'), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      save('complete');
    },
  };
}
