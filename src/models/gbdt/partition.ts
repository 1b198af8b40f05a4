/**
 * Stable partition of a leaf's rows by a split, the other per-node pass over rows besides the
 * histogram. `side` is a 256-entry table (1 = left) for the split feature's bin codes, so numeric,
 * categorical and missing codes alike cost one lookup, without branches. A range can be cut into
 * chunks partitioned independently (by several threads) and joined as L0 L1 .. R0 R1 ..: the same
 * order as one pass over the whole range, so the trees do not depend on the thread count.
 */

/**
 * Partition idx[start..end): left rows are compacted in place (the write cursor never passes the
 * read cursor), right rows go to right[start..]; every row is written to both and only the chosen
 * side's cursor advances. Returns the number of left rows.
 */
export function partitionChunk(idx: Uint32Array, col: Uint8Array, side: Uint8Array, right: Uint32Array, start: number, end: number): number {
  let nl = 0;
  let nr = start;
  for (let i = start; i < end; i++) {
    const r = idx[i]!;
    const l = side[col[r]!]!;
    idx[start + nl] = r;
    right[nr] = r;
    nl += l;
    nr += 1 - l;
  }
  return nl;
}

/**
 * Join chunks [bounds[k], bounds[k+1]) already partitioned by partitionChunk (nLeft[k] left rows
 * each) into one partitioned range starting at bounds[0]; returns the total number of left rows.
 */
export function joinChunks(idx: Uint32Array, right: Uint32Array, bounds: number[], nLeft: number[]): number {
  let w = bounds[0]!;
  for (let k = 0; k < nLeft.length; k++) {
    idx.copyWithin(w, bounds[k]!, bounds[k]! + nLeft[k]!);
    w += nLeft[k]!;
  }
  const totalLeft = w - bounds[0]!;
  for (let k = 0; k < nLeft.length; k++) {
    const nr = bounds[k + 1]! - bounds[k]! - nLeft[k]!;
    idx.set(right.subarray(bounds[k]!, bounds[k]! + nr), w);
    w += nr;
  }
  return totalLeft;
}
