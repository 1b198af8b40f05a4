/**
 * Write a run's three outputs into a directory: a row appended to emissions.csv (CodeCarbon
 * format), <run-id>.json, and metrics.prom. The CSV is checked first so a malformed one stops the
 * run before anything is written.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.js';
import type { EnergyReport } from '../types.js';
import { appendEmissionsCsv } from './codecarbon-csv.js';
import { writeJsonSummary } from './json-summary.js';
import { prometheusText } from './prometheus.js';

export interface RunFiles {
  emissionsCsv: string;
  json: string;
  prometheus: string;
}

export function runFiles(dir: string, runId: string): RunFiles {
  return {
    emissionsCsv: join(dir, 'emissions.csv'),
    json: join(dir, `${runId}.json`),
    prometheus: join(dir, 'metrics.prom'),
  };
}

export async function writeRunOutputs(dir: string, r: EnergyReport): Promise<RunFiles> {
  const files = runFiles(dir, r.runId);
  await appendEmissionsCsv(files.emissionsCsv, r);
  await writeJsonSummary(files.json, r);
  await writeFileAtomic(files.prometheus, prometheusText(r));
  return files;
}
