/**
 * How far a compressed model's outputs drift from its fp32 twin on the same inputs: relative L2
 * error of the outputs, the largest absolute difference, and how often the arg-max (the predicted
 * class) agrees. Every quantised model verde writes is checked with this and the figure reported.
 */
import { createSession, type ort } from '../engine/runtime/ort.js';

export interface OutputError {
  /** ||y - y0|| / ||y0|| over all outputs. */
  relL2: number;
  maxAbs: number;
  /** Fraction of rows whose arg-max agrees. */
  argmaxAgreement: number;
  rows: number;
}

export type Feeds = Record<string, ort.Tensor>;

export async function compareOutputs(reference: Uint8Array | string, candidate: Uint8Array | string, feeds: Feeds[], output = 'logits'): Promise<OutputError> {
  const s0 = await createSession(reference, { threads: 1 });
  const s1 = await createSession(candidate, { threads: 1 });
  let num = 0, den = 0, maxAbs = 0, agree = 0, rows = 0;
  try {
    for (const f of feeds) {
      const y0 = (await s0.run(f))[output];
      const y1 = (await s1.run(f))[output];
      const a = y0.data as Float32Array, b = y1.data as Float32Array;
      for (let i = 0; i < a.length; i++) {
        const d = b[i] - a[i];
        num += d * d;
        den += a[i] * a[i];
        maxAbs = Math.max(maxAbs, Math.abs(d));
      }
      const width = y0.dims[y0.dims.length - 1];
      for (let r = 0; r < a.length / width; r++) {
        let i0 = 0, i1 = 0;
        for (let k = 1; k < width; k++) {
          if (a[r * width + k] > a[r * width + i0]) i0 = k;
          if (b[r * width + k] > b[r * width + i1]) i1 = k;
        }
        if (i0 === i1) agree++;
        rows++;
      }
    }
  } finally {
    await s0.release();
    await s1.release();
  }
  return { relL2: Math.sqrt(num / Math.max(den, 1e-30)), maxAbs, argmaxAgreement: rows ? agree / rows : 1, rows };
}
