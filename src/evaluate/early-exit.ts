/**
 * Evaluate early-exit stages (models/distilbert/exit-graphs.ts) one sample at a time: each sample
 * stops at the first stage whose softmax confidence reaches the threshold. Reports accuracy, where
 * samples exit, the mean fraction of layers run, and latency against running every stage.
 */
import ort from 'onnxruntime-node';
import { classificationMetrics } from '../metrics/classification.js';

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

function softmaxMax(logits: Float32Array): { p: number; arg: number } {
  let m = -Infinity, arg = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] > m) { m = logits[i]; arg = i; }
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - m);
  return { p: 1 / sum, arg };
}

/** Stage 0's inputs for one sample (a batch of one, no padding); later stages reuse the mask. */
function firstStageFeeds(ids: number[]): Record<string, ort.Tensor> {
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
  };
}

/** One session per stage, opened one at a time so that a failure releases those already open. */
async function openStages(stages: { bytes: Uint8Array }[], threads: number): Promise<ort.InferenceSession[]> {
  const sessions: ort.InferenceSession[] = [];
  try {
    for (const s of stages) sessions.push(await ort.InferenceSession.create(s.bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 }));
    return sessions;
  } catch (err) {
    for (const s of sessions) await s.release();
    throw err;
  }
}

export async function evaluateEarlyExit(
  stages: { bytes: Uint8Array; layers: [number, number] }[],
  samples: number[][],
  labels: number[],
  nLabels: number,
  thresholds: number[],
  threads = 1,
): Promise<EarlyExitEval[]> {
  const sessions = await openStages(stages, threads);
  const nLayers = stages[stages.length - 1].layers[1];
  const results: EarlyExitEval[] = [];
  try {
    for (const threshold of thresholds) {
      const predicted: number[] = [];
      const exitCounts = new Array<number>(stages.length).fill(0);
      let layers = 0;
      const t0 = performance.now();
      for (const s of samples) {
        let feeds = firstStageFeeds(s);
        const mask = feeds.attention_mask!;
        for (let k = 0; k < sessions.length; k++) {
          const out = await sessions[k].run(feeds);
          const { p, arg } = softmaxMax(out.logits.data as Float32Array);
          if (p >= threshold || k === sessions.length - 1) {
            predicted.push(arg);
            exitCounts[k]++;
            layers += stages[k].layers[1];
            break;
          }
          feeds = { hidden_in: out.hidden_out, attention_mask: mask };
        }
      }
      const ms = (performance.now() - t0) / samples.length;
      const m = classificationMetrics(predicted, labels, nLabels);
      results.push({ threshold, accuracy: m.accuracy, macroF1: m.macroF1, exitCounts, meanLayerFraction: layers / (samples.length * nLayers), latencyMsPerSample: ms });
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  return results;
}

function softmax(logits: Float32Array): number[] {
  const m = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Every stage's class probabilities for every sample (`[stage][sample][class]`), each sample run
 * through all stages: what serve/thresholds.ts chooses an early-exit threshold from.
 */
export async function traceExitStages(stages: { bytes: Uint8Array }[], samples: number[][], threads = 1): Promise<number[][][]> {
  const sessions = await openStages(stages, threads);
  const probs: number[][][] = stages.map(() => []);
  try {
    for (const s of samples) {
      let feeds = firstStageFeeds(s);
      const mask = feeds.attention_mask!;
      for (let k = 0; k < sessions.length; k++) {
        const out = await sessions[k].run(feeds);
        probs[k].push(softmax(out.logits.data as Float32Array));
        if (k < sessions.length - 1) feeds = { hidden_in: out.hidden_out, attention_mask: mask };
      }
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  return probs;
}
