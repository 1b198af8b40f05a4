import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/util/random.js';
import { histSize } from '../../src/models/gbdt/histogram.js';
import { partitionChunk, partitionIdentity } from '../../src/models/gbdt/partition.js';
import { sleb, uleb } from '../../src/models/gbdt/wasm/encoder.js';
import { wasmKernels } from '../../src/models/gbdt/wasm/kernels.js';
import { allocRowMemory, kernelAddresses, rowViews, threadHist, wasmRowKernels } from '../../src/models/gbdt/wasm/row-memory.js';
import { trainGbdt } from '../../src/models/gbdt/index.js';
import { quantisedGradients, quantScheme, roundSalt } from '../../src/models/gbdt/grad-quant.js';
import { makeDataset } from './helpers.js';

test('LEB128 encodings match the spec examples', () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(uleb(2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(-64), [0x40]);
  assert.deepEqual(sleb(2 ** 31 + 5), sleb(-(2 ** 31) + 5), "addresses past 2 GiB: the i32 with the same bits");
  assert.throws(() => sleb(2 ** 32), RangeError);
  assert.throws(() => sleb(-(2 ** 31) - 1), RangeError);
});

/** Random rows in a fresh row memory (thread slot 1, so a non-zero histogram address is covered). */
function setup(n: number, nF: number, seed: number, active: number[]) {
  const rng = new Prng(seed);
  const m = allocRowMemory(n, nF, 2, 31)!;
  assert.ok(m, 'no wasm row memory');
  const v = rowViews(m);
  for (let i = 0; i < v.codes.length; i++) v.codes[i] = rng.int(256);
  v.codesByFeature.forEach((c) => c.forEach((_, r) => (c[r] = rng.int(256))));
  // Packed values as grad-quant.ts makes them: integer g * 2^K + h.
  for (let r = 0; r < n; r++) v.gh[r] = (rng.int(65) - 32) * 2 ** 26 + rng.int(33);
  return { m, v, k: wasmKernels(m.memory, nF, active, kernelAddresses(m, 1)), hist: threadHist(m, 1), rng };
}

/** The packed histogram written plainly: rows (or start..end itself), active features only. */
function reference(codes: Uint8Array, gh: Float64Array, nF: number, active: readonly number[], rows: Uint32Array | null, start: number, end: number): Float64Array {
  const h = new Float64Array(histSize(nF, true));
  for (let i = start; i < end; i++) {
    const r = rows ? rows[i]! : i;
    for (const f of active) {
      const o = f * 512 + codes[r * nF + f]! * 2;
      h[o] += gh[r]!;
      if (rows) h[o + 1]++;
    }
  }
  return h;
}

for (const [nF, active] of [[7, [0, 1, 2, 4, 5, 6]], [70, Array.from({ length: 70 }, (_, f) => f).filter((f) => f % 9 !== 3)]] as const) {
  test(`wasm histogram kernels equal a plain loop (${nF} features, ${active.length} active)`, () => {
    const n = 5003;
    const { v, k, hist, rng, m } = setup(n, nF, nF, [...active]);
    // Rows in order over an odd range.
    k.qAll(3, n - 2);
    const ref = reference(v.codes, v.gh, nF, active, null, 3, n - 2);
    assert.ok(ref.some((x) => x !== 0));
    assert.deepEqual(hist, ref);
    // Indexed rows (ascending subset), from idx and from right.
    let c = 0;
    for (let r = 0; r < n; r++) if (rng.chance(0.3)) v.idx[c++] = r;
    v.right.set(v.idx.subarray(0, c).reverse());
    for (const [rows, addr] of [[v.idx, m.idx], [v.right, m.right]] as const) {
      const ref = reference(v.codes, v.gh, nF, active, rows, 1, c - 1);
      hist.fill(0);
      k.qIndexed(addr, 1, c - 1);
      assert.deepEqual(hist, ref);
      // Touch-ahead blocks: the same sums (c - 2 rows: a partial last block).
      hist.fill(0);
      k.qIndexedTouch(addr, 1, c - 1);
      assert.deepEqual(hist, ref);
    }
    // An empty range adds nothing.
    const before = Float64Array.from(hist);
    k.qIndexed(m.idx, 5, 5);
    k.qAll(7, 7);
    assert.deepEqual(hist, before);
  });
}

test('wasm partitions equal partitionChunk / partitionIdentity', () => {
  const n = 10_013;
  const { v, k, m, rng } = setup(n, 3, 5, [0, 1, 2]);
  const side = Uint8Array.from({ length: 256 }, () => (rng.chance(0.4) ? 1 : 0));
  v.sideTable.set(side);
  const perm = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % n);
  const col = v.codesByFeature[1]!;
  // Ranges with and without a partial unrolled block, starting off a block boundary.
  for (const [start, end] of [[0, n], [5, n - 3], [11, 18], [4, 4]] as const) {
    for (const identity of [false, true]) {
      const idxJs = Uint32Array.from(perm);
      const rightJs = new Uint32Array(n);
      v.idx.set(perm);
      v.right.fill(0);
      const nlJs = (identity ? partitionIdentity : partitionChunk)(idxJs, col, side, rightJs, start, end);
      const nl = identity ? k.partitionIdentity(start, end, m.cols[1]!) : k.partition(start, end, m.cols[1]!);
      assert.equal(nl, nlJs, `left rows ${start}..${end} identity ${identity}`);
      assert.deepEqual(v.idx.subarray(0, start + nl), idxJs.subarray(0, start + nl), `idx ${start}..${end} identity ${identity}`);
      assert.deepEqual(v.right.subarray(start, end - nl), rightJs.subarray(start, end - nl), `right ${start}..${end} identity ${identity}`);
      assert.deepEqual(v.idx.subarray(end), idxJs.subarray(end), 'wrote past the range');
    }
  }
});

test('wasm gradient pass writes the same exp(-margin) and packed gradients as quantisedGradients', () => {
  const n = 4099;
  const { v, k, rng } = setup(n, 2, 9, [0, 1]);
  const w = 3.5;
  const q = quantScheme(n, w)!;
  const leafExp = Float64Array.from({ length: 31 }, () => Math.exp(rng.uniform(-3, 3)));
  v.leafExp.set(leafExp);
  for (let r = 0; r < n; r++) {
    v.leafOf[r] = rng.int(31);
    v.labels[r] = rng.chance(0.3) ? 1 : 0;
    // Margins from -800 to 800: exp(-margin) over and under the clamps.
    v.expNeg[r] = r % 97 === 0 ? (r % 2 ? 1e-320 : 1e308) : Math.exp(rng.uniform(-30, 30));
  }
  const expNeg = Float64Array.from(v.expNeg);
  const gh = new Float64Array(n);
  const salt = roundSalt(42, 7);
  quantisedGradients(expNeg, v.leafOf, leafExp, v.labels, w, gh, 2, n - 1, false, 1 / q.gStep, 1 / q.hStep, q.twoK, salt);
  k.gradients(2, n - 1, w, 1 / q.gStep, 1 / q.hStep, q.twoK, salt);
  assert.deepEqual(v.expNeg, expNeg);
  assert.deepEqual(v.gh.subarray(2, n - 1), gh.subarray(2, n - 1));
  assert.ok(new Set(gh).size > 100, 'too few distinct packed gradients');
});

test('quantised training grows the same trees with the wasm kernels as with the JS ones, on 1 and 2 threads', async () => {
  const ds = makeDataset(20_000, 6, 31, (x, rng) => (rng.chance(1 / (1 + Math.exp(-(3 * x[0]! - 2 * x[1]! * x[3]! - 1)))) ? 1 : 0));
  const p = { nTrees: 8, earlyStoppingRounds: 0, minDataInLeaf: 5, quantisedGradients: true } as const;
  assert.ok(allocRowMemory(20_000, 6, 2, 31), 'wasm row memory not available: the test would compare JS with JS');
  const trees: string[] = [];
  const losses: string[] = [];
  try {
    for (const enabled of [false, true]) {
      wasmRowKernels.enabled = enabled;
      for (const threads of [1, 2]) {
        const m = await trainGbdt(ds, { ...p, threads });
        trees.push(JSON.stringify(m.trees));
        losses.push(JSON.stringify(m.history));
      }
    }
  } finally {
    wasmRowKernels.enabled = true;
  }
  assert.ok(JSON.parse(trees[0]!)[0].feature.length > 5, 'trees too small to compare');
  for (let i = 1; i < trees.length; i++) assert.equal(trees[i], trees[0], `run ${i} (wasm ${i >= 2}, threads ${1 + (i % 2)})`);
  // The training loss too (summed per thread, so compared at the same thread count).
  assert.ok(losses[0]!.includes('trainLogloss'));
  assert.equal(losses[2], losses[0], 'loss history, 1 thread');
  assert.equal(losses[3], losses[1], 'loss history, 2 threads');
});
