/**
 * §5 "batched inference": the same GBDT ONNX session scoring the same rows one per call (the
 * request-at-a-time habit) vs in batches of 1,024 rows. Energy per row and rows per second.
 */
import type { CaseContext } from '../context.js';
import { metered } from '../energy.js';
import { ensureBaseline } from '../gbdt-runs.js';
import { onnxScorer } from '../onnx-scorer.js';
import { ratio, type TechniqueResult } from '../results.js';

export async function batchingTechnique(ctx: CaseContext): Promise<TechniqueResult> {
  const base = await ensureBaseline(ctx);
  const { x } = ctx.data.test;
  const rows = Math.min(x.rows, 5000);
  const data = x.data.subarray(0, rows * x.cols);
  const scorer = await onnxScorer(base.onnx, x.cols, ctx.opts.threads);
  try {
    await scorer.score(data.subarray(0, 16 * x.cols), 1); // warm-up
    const single = await metered(ctx.meter, () => scorer.score(data, 1));
    const batched = await metered(ctx.meter, () => scorer.score(data, 1024));
    let maxDiff = 0;
    for (let i = 0; i < rows; i++) maxDiff = Math.max(maxDiff, Math.abs(single.result[i] - batched.result[i]));
    const fig = (m: typeof single, batch: number) => ({ batchRows: batch, rows, energyJPerRow: m.energyJ / rows, rowsPerS: rows / m.durationS, meanLatencyMsPerCall: (1000 * m.durationS) / Math.ceil(rows / batch) });
    return {
      name: 'batched-inference',
      claim: 'score in batches: less energy per prediction',
      baselineName: 'one row per call',
      techniqueName: 'batches of 1024 rows',
      baseline: fig(single, 1),
      technique: fig(batched, 1024),
      summary: `batches of 1024: ${(single.durationS / batched.durationS).toFixed(1)}x the throughput, ${ratio(single.energyJ, batched.energyJ)} energy per row (scores identical to ${maxDiff.toExponential(1)})`,
      energyMethod: batched.method,
      notes: [`onnxruntime-node, ${ctx.opts.threads} intra-op thread(s), ${rows} test rows, the baseline GBDT`],
    };
  } finally {
    await scorer.release();
  }
}
