/**
 * verde's own batch-cost measurement for a deployment's batching settings: run model.onnx in a real
 * ONNX Runtime session at a few batch sizes, time and meter each size (a meter span per size), and
 * find where the cost per row stops falling. A batching server gains little from waiting for more
 * rows past that point (guide §3.4.1.2: batch latency-tolerant work, but only as far as it pays).
 */
import { createSession, releaseAll, toOrt } from '../engine/runtime/ort.js';
import type { HostTensor } from '../engine/types.js';
import type { ModelDir } from '../registry/model-dir.js';
import { progressBar } from '../util/progress.js';

export interface BatchCost {
  batchSize: number;
  /** Wall seconds per row (median over the repeats). */
  secondsPerRow: number;
  /** Joules per row from the meter span, PUE applied, with its method. */
  joulesPerRow: number;
  method: string;
}

export interface BatchCostOptions {
  sizes: number[];
  /** Time spent per batch size (after a warm-up run). */
  secondsPerSize: number;
  /** A size whose per-row cost is within this share of the best is "flattened". */
  tolerance: number;
  /** Tokens per text row (text models). */
  textLength: number;
  threads?: number;
}

export const DEFAULT_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64];

/** A batch of `rows` inputs of the right type and shape (values do not change the cost of these graphs). */
function inputsFor(model: ModelDir, rows: number, textLength: number): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const name of model.manifest.io.inputs) {
    if (model.manifest.task === 'text-classification') {
      const n = rows * textLength;
      // id 1 in every position and a full mask: cost depends on the shape only
      feeds[name] = { dtype: 'int64', dims: [rows, textLength], data: new BigInt64Array(n).fill(1n) };
    } else {
      const width = model.manifest.tabular!.features.length;
      const data = new Float32Array(rows * width);
      for (let i = 0; i < data.length; i++) data[i] = (i % 7) + 0.5;
      feeds[name] = { dtype: 'float32', dims: [rows, width], data };
    }
  }
  return feeds;
}

/** Per-row time and energy of model.onnx at each batch size. */
export async function measureBatchCost(model: ModelDir, opts: BatchCostOptions): Promise<BatchCost[]> {
  const { Tracker } = await import('../meter/index.js');
  const session = await createSession(model.modelPath, { threads: opts.threads ?? 1 });
  const tracker = new Tracker({ scope: 'process', projectName: 'verde-export' });
  await tracker.start();
  const bar = progressBar('batch cost', opts.sizes.length, ['size']);
  const out: BatchCost[] = [];
  try {
    for (const size of opts.sizes) {
      const feeds = Object.fromEntries(Object.entries(inputsFor(model, size, opts.textLength)).map(([k, t]) => [k, toOrt(t)]));
      await session.run(feeds); // warm-up: allocations, first-run kernels
      const span = tracker.startSpan(`batch:${size}`);
      const times: number[] = [];
      const t0 = performance.now();
      while (times.length < 3 || (performance.now() - t0) / 1000 < opts.secondsPerSize) {
        const t = performance.now();
        await session.run(feeds);
        times.push((performance.now() - t) / 1000);
      }
      const report = await span.end();
      times.sort((a, b) => a - b);
      const rows = size * times.length;
      out.push({ batchSize: size, secondsPerRow: times[Math.floor(times.length / 2)]! / size, joulesPerRow: report.energyJ / rows, method: report.method });
      bar.increment(1, { size });
    }
  } finally {
    bar.stop();
    await tracker.stop();
    await releaseAll([session]);
  }
  return out;
}

/**
 * The batch sizes past the knee: the smallest size whose per-row cost is within `tolerance` of the
 * cheapest, and every larger size measured. Energy per row decides when the meter gave one,
 * time per row otherwise.
 */
export function preferredBatchSizes(costs: BatchCost[], tolerance: number): number[] {
  if (costs.length === 0) return [];
  const useEnergy = costs.every((c) => c.joulesPerRow > 0 && Number.isFinite(c.joulesPerRow));
  const cost = (c: BatchCost) => (useEnergy ? c.joulesPerRow : c.secondsPerRow);
  const best = Math.min(...costs.map(cost));
  const sorted = [...costs].sort((a, b) => a.batchSize - b.batchSize);
  const knee = sorted.find((c) => cost(c) <= best * (1 + tolerance))!;
  return sorted.filter((c) => c.batchSize >= knee.batchSize).map((c) => c.batchSize);
}
