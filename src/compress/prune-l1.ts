/**
 * L1 unstructured pruning, as the guide's §6.1 does with torch's prune.l1_unstructured + remove:
 * in every Linear weight, the `amount` fraction of entries with the smallest |w| become exactly
 * zero (ties broken by position, so the count is exact). Dense kernels do not get faster from
 * zeros; the saving shows on disk through sparse-storage.ts.
 */

export interface L1Report {
  tensors: { name: string; elements: number; zeroed: number; sparsity: number }[];
  amount: number;
}

/** Zero the round(amount * n) smallest-magnitude entries of `w` in place; returns how many. */
export function pruneL1Tensor(w: Float32Array, amount: number): number {
  const k = Math.round(amount * w.length);
  if (k <= 0) return 0;
  const mag = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) mag[i] = Math.abs(w[i]);
  // The k-th smallest magnitude is the threshold: everything below goes, then entries equal to
  // it in index order until exactly k are gone (ties would otherwise make the count inexact).
  const sorted = Float32Array.from(mag).sort();
  const threshold = sorted[k - 1];
  let below = 0;
  for (let i = 0; i < w.length; i++) if (mag[i] < threshold) { w[i] = 0; below++; }
  let ties = k - below;
  for (let i = 0; i < w.length && ties > 0; i++) if (mag[i] === threshold) { w[i] = 0; ties--; }
  return k;
}

/** Prune each named tensor of `params` (a Map name -> {data}) in place. */
export function pruneL1(params: Map<string, { data: Float32Array }>, names: string[], amount: number): L1Report {
  if (!(amount >= 0 && amount < 1)) throw new Error(`prune amount ${amount} must be in [0, 1)`);
  const tensors = names.map((name) => {
    const p = params.get(name);
    if (!p) throw new Error(`pruneL1: no tensor ${name}`);
    const zeroed = pruneL1Tensor(p.data, amount);
    let zeros = 0;
    for (const v of p.data) if (v === 0) zeros++;
    return { name, elements: p.data.length, zeroed, sparsity: zeros / p.data.length };
  });
  return { tensors, amount };
}
