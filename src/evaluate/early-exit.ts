/**
 * Evaluate early-exit stages (models/distilbert/exit-graphs.ts) one sample at a time: each sample
 * stops at the first stage whose softmax confidence reaches the threshold. Reports accuracy, where
 * samples exit, the mean fraction of layers run, and latency against running every stage.
 */
import { createSessions, ort, releaseAll } from '../engine/runtime/ort.js';
import { classificationMetrics } from '../metrics/classification.js';
import { argmax } from '../util/softmax.js';
import { runStages } from '../engine/runtime/stages.js';

export interface EarlyExitEval {
  threshold: number;
  accuracy: number;
  macroF1: number;
  /** Samples that stopped at each stage. */
  exitCounts: number[];
  /** Mean of (layers run / all layers). */
  meanLayerFraction: number;
  latencyMsPerSample: number;
}

/** Stage 0's inputs for one sample (a batch of one, no padding); later stages reuse the mask. */
function firstStageFeeds(ids: number[]): Record<string, ort.Tensor> {
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
  };
}

export async function evaluateEarlyExit(
  stages: { bytes: Uint8Array; layers: [number, number] }[],
  samples: number[][],
  labels: number[],
  nLabels: number,
  thresholds: number[],
  threads = 1,
): Promise<EarlyExitEval[]> {
  const sessions = await createSessions(stages.map((s) => s.bytes), { threads });
  const nLayers = stages[stages.length - 1].layers[1];
  const results: EarlyExitEval[] = [];
  try {
    for (const threshold of thresholds) {
      const predicted: number[] = [];
      const exitCounts = new Array<number>(stages.length).fill(0);
      let layers = 0;
      const t0 = performance.now();
      for (const s of samples) {
        const r = await runStages(sessions, firstStageFeeds(s), 1, { output: 'logits', outputKind: 'logits', nLabels, threshold });
        const k = r.exits[0]!;
        predicted.push(argmax(r.probabilities));
        exitCounts[k]++;
        layers += stages[k].layers[1];
      }
      const ms = (performance.now() - t0) / samples.length;
      const m = classificationMetrics(predicted, labels, nLabels);
      results.push({ threshold, accuracy: m.accuracy, macroF1: m.macroF1, exitCounts, meanLayerFraction: layers / (samples.length * nLayers), latencyMsPerSample: ms });
    }
  } finally {
    await releaseAll(sessions);
  }
  return results;
}

/**
 * Every stage's class probabilities for every sample (`[stage][sample][class]`), each sample run
 * through all stages: what evaluate/thresholds.ts chooses an early-exit threshold from.
 */
export async function traceExitStages(stages: { bytes: Uint8Array }[], samples: number[][], threads = 1): Promise<number[][][]> {
  const sessions = await createSessions(stages.map((s) => s.bytes), { threads });
  const probs: number[][][] = stages.map(() => []);
  try {
    for (const s of samples) {
      const r = await runStages(sessions, firstStageFeeds(s), 1, { output: 'logits', outputKind: 'logits', threshold: 1, trace: true });
      r.trace!.forEach((p, k) => probs[k]!.push(Array.from(p)));
    }
  } finally {
    await releaseAll(sessions);
  }
  return probs;
}
