/**
 * 8-bit quantisation of a trained model: thresholds become their uint8 bin index (the per-feature
 * edge table is stored once) and leaf values int8 with one scale for the whole model. `packGbdt`
 * writes that compact binary form; `quantiseGbdt` returns the model the 8-bit form decodes to
 * (thresholds unchanged by construction, leaf values rounded), so its quality can be measured and
 * exported to ONNX like any other model.
 */
import type { GbdtModel, Tree } from './types.js';

export interface QuantisedGbdt {
  /** The decoded model: same structure, leaf values rounded to the int8 grid. */
  model: GbdtModel;
  /** Leaf value = int8 * scale. */
  scale: number;
  /** Bytes of the 8-bit packed form (see packGbdt). */
  packedBytes: number;
  /** Bytes of the same trees packed with float32 thresholds/leaves and int32 child links (the 32-bit baseline). */
  float32Bytes: number;
  /** Largest absolute change of any leaf value. */
  maxLeafError: number;
}

function leafScale(model: GbdtModel): number {
  let max = 0;
  for (const t of model.trees) for (const v of t.leafValue) max = Math.max(max, Math.abs(v));
  return max > 0 ? max / 127 : 1;
}

export function quantiseGbdt(model: GbdtModel): QuantisedGbdt {
  const scale = leafScale(model);
  let maxLeafError = 0;
  const trees: Tree[] = model.trees.map((t) => {
    const leafValue = t.leafValue.map((v) => {
      const q = Math.max(-127, Math.min(127, Math.round(v / scale))) * scale;
      maxLeafError = Math.max(maxLeafError, Math.abs(q - v));
      return Math.fround(q);
    });
    return { ...t, leafValue };
  });
  const q: GbdtModel = { ...model, trees };
  return { model: q, scale, packedBytes: packGbdt(q, 8).length, float32Bytes: packGbdt(model, 32).length, maxLeafError };
}

/**
 * Compact binary form. Per node: feature (uint16), threshold (uint8 bin index | float32),
 * flags (uint8: categorical, default-left, left-is-leaf, right-is-leaf), children (uint8 | int32);
 * per leaf: value (int8 | float32). Header: base score, scale, feature count, bin edge tables (float32).
 * bits = 8 is the quantised form; bits = 32 the same layout with 32-bit fields, for comparison.
 */
export function packGbdt(model: GbdtModel, bits: 8 | 32 = 8): Uint8Array {
  const scale = leafScale(model);
  const parts: number[] = [];
  const buf = new DataView(new ArrayBuffer(8));
  const f32 = (v: number) => { buf.setFloat32(0, v, true); for (let i = 0; i < 4; i++) parts.push(buf.getUint8(i)); };
  const u16 = (v: number) => { parts.push(v & 0xff, (v >> 8) & 0xff); };
  const i32 = (v: number) => { buf.setInt32(0, v, true); for (let i = 0; i < 4; i++) parts.push(buf.getUint8(i)); };
  f32(model.baseScore);
  f32(scale);
  u16(model.features.length);
  u16(model.trees.length);
  if (bits === 8) for (const e of model.binEdges) { u16(e.length); e.forEach(f32); }
  for (const t of model.trees) {
    const n = t.feature.length;
    u16(n);
    for (let i = 0; i < n; i++) {
      u16(t.feature[i]!);
      if (bits === 8) parts.push(t.bin[i]!);
      else f32(t.threshold[i]!);
      const l = t.left[i]!;
      const r = t.right[i]!;
      parts.push((t.kind[i]! ? 1 : 0) | (t.defaultLeft[i]! ? 2 : 0) | (l < 0 ? 4 : 0) | (r < 0 ? 8 : 0));
      // Children: index of the internal node or the leaf (trees have at most 256 leaves in 8-bit form).
      const li = l < 0 ? ~l : l;
      const ri = r < 0 ? ~r : r;
      if (bits === 8) parts.push(li & 0xff, ri & 0xff);
      else { i32(li); i32(ri); }
    }
    for (const v of t.leafValue) {
      if (bits === 8) parts.push(Math.max(-127, Math.min(127, Math.round(v / scale))) & 0xff);
      else f32(v);
    }
  }
  return Uint8Array.from(parts);
}
