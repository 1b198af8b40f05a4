/**
 * Score a tabular ONNX model (features [batch, n] float32 -> probabilities [batch, 2]) through
 * onnxruntime-node, in batches of any size: the same code path measures "batched" against
 * "one at a time" scoring, and checks an exported model against its TypeScript twin.
 */
import { createSession, ort } from '../../engine/runtime/ort.js';

export interface OnnxScorer {
  /** Fraud probability per row of a row-major matrix (rows x nFeatures). */
  score(x: Float32Array, batchSize?: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function onnxScorer(model: Uint8Array | string, nFeatures: number, threads = 1): Promise<OnnxScorer> {
  const session = await createSession(model, { threads });
  const input = session.inputNames[0];
  const output = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[session.outputNames.length - 1];
  return {
    async score(x, batchSize = 4096) {
      const rows = x.length / nFeatures;
      const out = new Float32Array(rows);
      for (let start = 0; start < rows; start += batchSize) {
        const n = Math.min(batchSize, rows - start);
        const feeds = { [input]: new ort.Tensor('float32', x.subarray(start * nFeatures, (start + n) * nFeatures), [n, nFeatures]) };
        const res = await session.run(feeds, [output]);
        const p = res[output].data as Float32Array;
        const width = p.length / n;
        for (let i = 0; i < n; i++) out[start + i] = p[i * width + width - 1];
      }
      return out;
    },
    release: () => session.release(),
  };
}
