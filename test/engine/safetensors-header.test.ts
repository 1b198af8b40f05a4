/**
 * Issue 12 item 5: the safetensors reader checks the whole header as the format requires; every
 * violation is a one-line UserError naming the file and the tensor, never a TypeError, never a
 * silent read of the wrong bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeSafetensors, parseSafetensors } from '../../src/engine/index.js';

/** A file laid out by hand: header JSON text (any, even invalid) then `data`. */
function fileOf(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

/** Parsing must fail with a one-line UserError whose message matches `re`. */
function refuses(file: Uint8Array, re: RegExp): void {
  assert.throws(() => parseSafetensors(file, 'w.safetensors'), (err: Error) => {
    assert.equal(err.name, 'UserError', `${err.name}: ${err.message}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    assert.match(err.message, /^w\.safetensors: /);
    assert.match(err.message, re);
    return true;
  });
}

test('safetensors header: missing fields, null entries and a null header are one-line errors naming the tensor', () => {
  const data = f32(1, 2);
  refuses(fileOf('null', data), /header does not start with "\{"/);
  refuses(fileOf('[]'), /does not start with "\{"/);
  refuses(fileOf('{"t": null}', data), /tensor "t": must be an object with dtype, shape and data_offsets \(got null\)/);
  refuses(fileOf('{"t": {"dtype": "F32", "data_offsets": [0, 8]}}', data), /tensor "t": "shape" must be a list of non-negative integers \(got nothing\)/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [2]}}', data), /tensor "t": "data_offsets" must be \[begin, end\]/);
  refuses(fileOf('{"t": {"shape": [2], "data_offsets": [0, 8]}}', data), /tensor "t": "dtype" must be a string/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": null, "data_offsets": [0, 8]}}', data), /tensor "t": "shape"/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [2], "data_offsets": null}}', data), /tensor "t": "data_offsets"/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}', data), /tensor "t": "data_offsets"/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [2], "data_offsets": ["0", "8"]}}', data), /tensor "t": "data_offsets"/);
});

test('safetensors header: dtype known, shape non-negative integers', () => {
  const data = f32(1, 2);
  refuses(fileOf('{"t": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}', data), /tensor "t": unsupported dtype "Q4"/);
  refuses(fileOf('{"t": {"dtype": "toString", "shape": [2], "data_offsets": [0, 8]}}', data), /unsupported dtype "toString"/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}', data), /tensor "t": "shape" must be a list of non-negative integers \(got \[-2\]\)/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 8]}}', data), /"shape"/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}', data), /"shape"/);
  // a product far beyond a double's exact range must not wrap around to the right byte count
  refuses(fileOf('{"t": {"dtype": "U8", "shape": [4294967296, 4294967296, 0.5], "data_offsets": [0, 8]}}', data), /"shape"/);
  refuses(fileOf('{"t": {"dtype": "U8", "shape": [9007199254740991, 9007199254740991], "data_offsets": [0, 8]}}', data), /do not match shape/);
});

test('safetensors header: offsets inside the data region, matching the shape, never negative', () => {
  const data = f32(1, 2);
  // negative offsets used to read the header's own bytes as weights
  refuses(fileOf('{"t": {"dtype": "U8", "shape": [8], "data_offsets": [-8, 0]}}', data), /tensor "t": "data_offsets" must be \[begin, end\], non-negative integers \(got \[-8,0\]\)/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}', data), /tensor "t": data_offsets \[8, 0\] end before they begin/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', data), /tensor "t": data_offsets \[0, 16\] reach past the data region \(8 bytes\)/);
  refuses(fileOf('{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}}', data), /tensor "t": offsets \[0, 8\] do not match shape \[1\] F32 \(4 bytes, not 8\)/);
});

test('safetensors header: overlapping ranges, holes and trailing bytes are refused (the ranges tile the data)', () => {
  const data = f32(1, 2, 3, 4);
  // overlap: b re-reads a's bytes; this used to load and change the model's predictions
  refuses(
    fileOf('{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}', data),
    /tensor "b": data_offsets \[8, 16\] overlap tensor "a" \[0, 12\]/,
  );
  refuses(
    fileOf('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', data),
    /overlap tensor/,
  );
  refuses(fileOf('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}', data), /tensor "a": .*leave bytes \[0, 4\)/);
  refuses(fileOf('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', data), /the tensors cover 8 of the data region's 16 bytes/);
  // duplicate keys: JSON keeps the last, the first's range becomes a hole
  refuses(fileOf('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}', data), /leave bytes \[0, 8\)/);
});

test('safetensors header: __metadata__ maps strings to strings', () => {
  const t = '"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}';
  refuses(fileOf(`{"__metadata__": {"n": 1}, ${t}}`, f32(1)), /"__metadata__" entry "n" must be a string \(got 1\)/);
  refuses(fileOf(`{"__metadata__": ["x"], ${t}}`, f32(1)), /"__metadata__" must map strings to strings/);
  refuses(fileOf(`{"__metadata__": "x", ${t}}`, f32(1)), /"__metadata__" must map strings to strings/);
  assert.deepEqual(parseSafetensors(fileOf(`{"__metadata__": null, ${t}}`, f32(1))).metadata, {}, 'null: no metadata, as the reference reads it');
  assert.deepEqual(parseSafetensors(fileOf(`{"__metadata__": {"format": "pt"}, ${t}}`, f32(1))).metadata, { format: 'pt' });
});

test('safetensors header: not UTF-8, not JSON, absurd lengths and long names stay one line', () => {
  const bad = fileOf('{}');
  bad[8] = 0xff;
  refuses(bad, /header is not valid UTF-8/);
  refuses(fileOf('{"t": '), /header is not valid JSON/);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
  refuses(huge, /header length 18446744073709551615 exceeds the file size/);
  const name = 'x\n'.repeat(500);
  refuses(fileOf(JSON.stringify({ [name]: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }), f32(1)), /tensor "[x\\n]+\.\.\.": offsets \[0, 4\] do not match/);
  // zero-size tensors are allowed anywhere, empty files of tensors too
  const empty = parseSafetensors(fileOf('{"z": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]}}  '));
  assert.deepEqual(empty.tensors.get('z'), { dtype: 'float32', dims: [0, 3], data: new Float32Array(0) });
});

test('safetensors header: random mutations of a valid file load or fail with a one-line UserError (property)', () => {
  const valid = encodeSafetensors(
    { a: { dtype: 'float32', dims: [2, 2], data: Float32Array.of(1, 2, 3, 4) }, b: { dtype: 'int64', dims: [1], data: BigInt64Array.of(7n) } },
    { k: 'v' },
  );
  const headerEnd = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(headerEnd - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const file = valid.slice();
      for (const [at, byte] of edits) file[at] = byte;
      try {
        parseSafetensors(file, 'm.safetensors');
      } catch (err) {
        assert.equal((err as Error).name, 'UserError', (err as Error).stack);
        assert.ok(!(err as Error).message.includes('\n'));
      }
    }),
    { numRuns: 3000, seed: 12 },
  );
});
