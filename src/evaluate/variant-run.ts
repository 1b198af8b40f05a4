/**
 * Evaluate one model file on encoded test samples, in the process that calls it: accuracy and
 * macro-F1, latency one sample at a time (as the guide's §6.1 timed its 300 reviews), throughput
 * in padded batches, the memory the model adds, and the energy of the one-at-a-time pass through
 * the meter (so energy per inference and per correct prediction are the guide's setting).
 * variants.ts runs this in a fresh child process per variant so that peak memory and energy are
 * the variant's own.
 */
import { readFileSync, statSync } from 'node:fs';
import { createSession, ort } from '../engine/runtime/ort.js';
import { measure } from '../meter/index.js';
import type { MeterOptions } from '../meter/index.js';
import { argmaxRows, classificationMetrics } from '../metrics/classification.js';

export interface VariantRunInput {
  modelPath: string;
  /** Token ids of each sample (with [CLS]/[SEP], unpadded). */
  samples: number[][];
  labels: number[];
  nLabels: number;
  padId: number;
  threads: number;
  batchSize: number;
  warmup: number;
  meter: MeterOptions;
}

export interface VariantRunResult {
  accuracy: number;
  macroF1: number;
  correct: number;
  total: number;
  latencyMsPerSample: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  throughputPerS: number;
  sizeBytes: number;
  peakMemoryBytes: number;
  energyJ: number;
  energyJPerInference: number;
  energyJPerCorrect: number | null;
  co2eGrams: number;
  energyMethod: string;
  batchedEnergyJPerInference: number;
  sessionCreateMs: number;
}

function rssBytes(): { now: number; peak: number } {
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(/\s(\d+) kB/.exec(s.split('\n').find((l) => l.startsWith(k)) ?? '')?.[1] ?? NaN) * 1024;
    return { now: kb('VmRSS:'), peak: kb('VmHWM:') };
  } catch {
    const m = process.memoryUsage().rss;
    return { now: m, peak: process.resourceUsage().maxRSS * 1024 };
  }
}

function feeds(rows: number[][], padId: number): Record<string, ort.Tensor> {
  const len = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * len).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * len);
  rows.forEach((r, i) => r.forEach((v, j) => { ids[i * len + j] = BigInt(v); mask[i * len + j] = 1n; }));
  return { input_ids: new ort.Tensor('int64', ids, [rows.length, len]), attention_mask: new ort.Tensor('int64', mask, [rows.length, len]) };
}

export async function runVariant(input: VariantRunInput): Promise<VariantRunResult> {
  const before = rssBytes();
  const t0 = performance.now();
  const session = await createSession(input.modelPath, { threads: input.threads });
  const sessionCreateMs = performance.now() - t0;
  try {
    for (let i = 0; i < Math.min(input.warmup, input.samples.length); i++) await session.run(feeds([input.samples[i]], input.padId));
    // One at a time, measured: the guide's setting.
    const latencies: number[] = [];
    const logits: number[] = [];
    const { energy } = await measure(async () => {
      for (const s of input.samples) {
        const f = feeds([s], input.padId);
        const a = performance.now();
        const out = await session.run(f);
        latencies.push(performance.now() - a);
        logits.push(...(out.logits.data as Float32Array));
      }
    }, input.meter);
    // Batched: samples sorted by length so padding stays small, as a serving batcher would.
    const order = input.samples.map((s, i) => ({ s, i })).sort((a, b) => a.s.length - b.s.length);
    const tb = performance.now();
    const { energy: batchedEnergy } = await measure(async () => {
      for (let i = 0; i < order.length; i += input.batchSize) {
        await session.run(feeds(order.slice(i, i + input.batchSize).map((o) => o.s), input.padId));
      }
    }, input.meter);
    const batchedS = (performance.now() - tb) / 1000;
    const predicted = argmaxRows(logits, input.nLabels);
    const m = classificationMetrics(predicted, input.labels, input.nLabels);
    const sorted = [...latencies].sort((a, b) => a - b);
    const n = input.samples.length;
    const after = rssBytes();
    return {
      accuracy: m.accuracy,
      macroF1: m.macroF1,
      correct: m.correct,
      total: m.total,
      latencyMsPerSample: latencies.reduce((a, b) => a + b, 0) / n,
      latencyP50Ms: sorted[Math.floor(0.5 * (n - 1))],
      latencyP95Ms: sorted[Math.floor(0.95 * (n - 1))],
      throughputPerS: n / batchedS,
      sizeBytes: statSync(input.modelPath).size,
      peakMemoryBytes: Math.max(0, after.peak - before.now),
      energyJ: energy.energyJ,
      energyJPerInference: energy.energyJ / n,
      energyJPerCorrect: m.correct ? energy.energyJ / m.correct : null,
      co2eGrams: energy.co2eGrams,
      energyMethod: energy.method,
      batchedEnergyJPerInference: batchedEnergy.energyJ / n,
      sessionCreateMs,
    };
  } finally {
    await session.release();
  }
}
