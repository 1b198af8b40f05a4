/**
 * Int8 compression of model updates (per-tensor symmetric scale): each float becomes
 * round(x / scale) in [-127, 127] with scale = max|x| / 127, so an update ships in a quarter of
 * its float32 bytes and every value comes back within scale / 2 of the original.
 */
export interface QuantisedTensor {
  scale: number;
  values: Int8Array;
}

export function quantiseInt8(x: Float32Array): QuantisedTensor {
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (!Number.isFinite(a)) throw new Error(`quantiseInt8: value ${i} is not finite (${x[i]})`);
    if (a > maxAbs) maxAbs = a;
  }
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const values = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) values[i] = Math.max(-127, Math.min(127, Math.round(x[i] / scale)));
  return { scale, values };
}

export function dequantiseInt8(q: QuantisedTensor): Float32Array {
  const out = new Float32Array(q.values.length);
  for (let i = 0; i < out.length; i++) out[i] = q.values[i] * q.scale;
  return out;
}

/** The worst-case absolute error of quantiseInt8 on a tensor whose largest magnitude is maxAbs. */
export function int8ErrorBound(maxAbs: number): number {
  return maxAbs / 127 / 2;
}
