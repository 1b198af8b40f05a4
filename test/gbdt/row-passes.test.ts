import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../src/util/random.js';
import { histSize, rootCounts, rowDensity, THIN_NODE_DENSITY, touchAheadHistogram } from '../../src/models/gbdt/histogram.js';
import { kernels } from '../../src/models/gbdt/histogram-kernels.js';
import { joinChunks, partitionChunk, placeRight } from '../../src/models/gbdt/partition.js';

test('touch-ahead histogram of thinly scattered rows equals the plain quantised kernel', () => {
  const rng = new Prng(3);
  const n = 50_000;
  const nF = 7;
  const codes = Uint8Array.from({ length: n * nF }, () => rng.int(256));
  const gh = Float64Array.from({ length: n }, () => rng.int(1 << 20) * 4096 + rng.int(64));
  const rowList: number[] = [];
  for (let r = 0; r < n; r++) if (rng.chance(0.01)) rowList.push(r);
  const rows = Uint32Array.from(rowList);
  assert.ok(rowDensity(rows, 0, rows.length) < THIN_NODE_DENSITY, 'the rows are not thin enough to take the touch-ahead path');
  const active = [0, 1, 2, 4, 5, 6];
  const plain = new Float64Array(histSize(nF, true));
  const touched = new Float64Array(histSize(nF, true));
  // An odd range, so a partial last block is covered.
  kernels(nF, active).qIndexed(plain, codes, gh, rows, 3, rows.length - 2);
  touchAheadHistogram(touched, codes, nF, gh, rows, 3, rows.length - 2, active);
  assert.ok(plain.some((v) => v !== 0));
  assert.deepEqual(touched, plain);
});

test('chunked partition with the last chunk placing its own right rows equals one pass', () => {
  const rng = new Prng(4);
  const n = 10_001;
  const col = Uint8Array.from({ length: n }, () => rng.int(256));
  const side = Uint8Array.from({ length: 256 }, (_, c) => (c < 100 ? 1 : 0));
  const perm = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % n);
  // Stable partition, written plainly: left rows in order, then right rows in order.
  const one = Uint32Array.from([...perm.filter((r) => side[col[r]!] === 1), ...perm.filter((r) => side[col[r]!] === 0)]);
  const nl = perm.filter((r) => side[col[r]!] === 1).length;
  for (const parts of [1, 2, 3]) {
    const idx = new Uint32Array(n + 5).fill(7);
    idx.set(perm, 5);
    const right = new Uint32Array(n + 5);
    const chunk = Math.ceil(n / parts);
    const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.min(n + 5, 5 + p * chunk));
    const lefts = bounds.slice(0, -1).map((b, p) => {
      const k = partitionChunk(idx, col, side, right, b, bounds[p + 1]!);
      if (p === parts - 1) placeRight(idx, right, b, bounds[p + 1]!, k);
      return k;
    });
    assert.equal(joinChunks(idx, right, bounds, lefts), nl, `${parts} chunks`);
    assert.deepEqual(idx.subarray(5), one, `${parts} chunks`);
    assert.deepEqual(idx.subarray(0, 5), new Uint32Array(5).fill(7), 'wrote before the range');
  }
});

test('root counts count every code of every feature, ragged lengths too', () => {
  for (const n of [0, 1, 5, 1027]) {
    const cols = [0, 1].map((f) => Uint8Array.from({ length: n }, (_, i) => (i * (37 + f)) % 256));
    const expect = new Float64Array(2 * 256);
    cols.forEach((c, f) => c.forEach((x) => expect[f * 256 + x]++));
    assert.deepEqual(rootCounts(cols), expect, `n ${n}`);
  }
});
