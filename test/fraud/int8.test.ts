import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantiseInt8, dequantiseInt8, int8ErrorBound, encodeMessage, decodeMessage } from '../../src/train/federated/index.js';
import { seededRandom } from '../../src/util/random.js';

test('int8 round trip stays within scale/2 of every value', () => {
  const rng = seededRandom(1);
  for (const spread of [1e-4, 0.1, 30]) {
    const x = Float32Array.from({ length: 1000 }, () => rng.normal() * spread);
    const maxAbs = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const back = dequantiseInt8(quantiseInt8(x));
    const bound = int8ErrorBound(maxAbs);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - back[i]));
    assert.ok(worst <= bound * (1 + 1e-6), `spread ${spread}: error ${worst} > bound ${bound}`);
    assert.ok(worst > 0, 'quantisation is lossy: a zero error would mean nothing was compressed');
  }
  // All zeros stay zeros; the extreme value maps to +/-127 exactly.
  assert.deepEqual(Array.from(dequantiseInt8(quantiseInt8(new Float32Array(3)))), [0, 0, 0]);
  const q = quantiseInt8(Float32Array.from([-2, 1, 0.5]));
  assert.equal(q.values[0], -127);
});

test('an int8 message is about a quarter of its float32 twin', () => {
  const data = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i));
  const t = [{ name: 'w0', dims: [64, 64], data }];
  const f32 = encodeMessage({ round: 1 }, t, 'none');
  const i8 = encodeMessage({ round: 1 }, t, 'int8');
  assert.ok(i8.length < f32.length * 0.27, `${i8.length} vs ${f32.length}`);
  const back = decodeMessage<{ round: number }>(i8);
  assert.equal(back.header.round, 1);
  assert.deepEqual(back.tensors[0].dims, [64, 64]);
  assert.ok(Math.abs(back.tensors[0].data[100] - data[100]) <= int8ErrorBound(1));
  assert.throws(() => quantiseInt8(Float32Array.from([1, NaN])), /not finite/);
});
