import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync, readdirSync, type Dirent } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Graph, TrainingSession, op, parseSafetensors, readSafetensors, writeSafetensors } from '../../src/engine/index.js';

/** Build a file by hand, as another writer (e.g. Python's safetensors) would lay it out. */
function handMade(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('safetensors: write/read round-trips F32, I64, BOOL bit-exactly, atomically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-st-'));
  try {
    const f = Float32Array.of(1.5, -0, NaN, 3.4028234663852886e38, 1e-45);
    const tensors = {
      a: { dtype: 'float32' as const, dims: [5], data: f },
      b: { dtype: 'int64' as const, dims: [2, 1], data: BigInt64Array.of(-5n, 2n ** 62n) },
      c: { dtype: 'bool' as const, dims: [3], data: Uint8Array.of(1, 0, 1) },
    };
    const path = join(dir, 'x.safetensors');
    await writeSafetensors(path, tensors, { note: 'hi' });
    assert.deepEqual(await readdir(dir), ['x.safetensors'], 'no temp file left behind');
    const bytes = await readFile(path);
    assert.equal(Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)) % 8, 0, 'data is 8-byte aligned');
    const back = await readSafetensors(path);
    assert.deepEqual(new Uint8Array((back.tensors.get('a')!.data as Float32Array).buffer), new Uint8Array(f.buffer));
    assert.deepEqual(back.tensors.get('b'), tensors.b);
    assert.deepEqual(back.tensors.get('c'), tensors.c);
    assert.deepEqual(back.metadata, { note: 'hi' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('safetensors: F16 and BF16 (as in Hugging Face checkpoints) widen to float32', () => {
  // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800; BF16: 1.0 = 0x3f80, -3.0 = 0xc040
  const f16 = Uint16Array.of(0x3c00, 0xc000, 0x3800);
  const bf16 = Uint16Array.of(0x3f80, 0xc040);
  const data = new Uint8Array(10);
  data.set(new Uint8Array(f16.buffer), 0);
  data.set(new Uint8Array(bf16.buffer), 6);
  const file = handMade(
    { h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] }, b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] } },
    data,
  );
  const st = parseSafetensors(file);
  assert.deepEqual(st.tensors.get('h'), { dtype: 'float32', dims: [3], data: Float32Array.of(1, -2, 0.5) });
  assert.deepEqual(st.tensors.get('b'), { dtype: 'float32', dims: [2], data: Float32Array.of(1, -3) });
});

test('safetensors: corrupt files give one-line errors naming the file', async () => {
  assert.throws(() => parseSafetensors(new Uint8Array(4), 'w.safetensors'), /w.safetensors: too short/);
  const bad = handMade({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }, new Uint8Array(8));
  assert.throws(() => parseSafetensors(bad, 'w.safetensors'), /w.safetensors: tensor "t": offsets \[0, 8\] do not match shape \[4\] F32/);
  const dir = await mkdtemp(join(tmpdir(), 'verde-st-'));
  await assert.rejects(readSafetensors(join(dir, 'nope.safetensors')), /nope.safetensors: cannot read \(ENOENT\)/);
  await rm(dir, { recursive: true, force: true });
});

/**
 * Whether this host can start ONNX Runtime's CUDA provider, read from the machine rather than from
 * verde: the provider library that onnxruntime-node's install step downloads, and an NVIDIA driver.
 */
function hostCanRunCuda(): boolean {
  const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const hasProvider = (dir: string): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    return entries.some((e) => (e.isDirectory() ? hasProvider(join(dir, e.name)) : /^libonnxruntime_providers_cuda\.so/.test(e.name)));
  };
  const hasDriver = existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidiactl');
  return hasDriver && hasProvider(join(ortDir, 'bin'));
}

test("device 'cuda': a session starts where the host has CUDA, else a clear UserError", async () => {
  const g = new Graph('c');
  const w = g.param('w', [2], Float32Array.of(1, 2));
  const loss = op.reduceSum(op.mul(w, w));
  if (hostCanRunCuda()) {
    const s = await TrainingSession.create(g, { loss, optimizer: { type: 'sgd', lr: 0.1 } }, { device: 'cuda' });
    await s.close();
    return;
  }
  await assert.rejects(TrainingSession.create(g, { loss, optimizer: { type: 'sgd', lr: 0.1 } }, { device: 'cuda' }), (err: Error) => {
    assert.equal(err.name, 'UserError');
    assert.match(err.message, /^device cuda: onnxruntime-node could not start its CUDA provider/);
    return true;
  });
});

test('loadWeights maps Hugging Face names (with a prefix) onto parameters; new heads keep their init', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-st-'));
  const g = new Graph('w');
  const x = g.input('x', 'float32', ['batch', 2]);
  const w = g.param('encoder.weight', [2, 2], new Float32Array(4));
  const head = g.param('classifier.weight', [1, 2], Float32Array.of(7, 8));
  const loss = op.reduceSum(op.linear(op.linear(x, w), head));
  const s = await TrainingSession.create(g, { loss, optimizer: { type: 'sgd', lr: 0.1 } }, { threads: 1 });
  try {
    const path = join(dir, 'model.safetensors');
    // F16 in the file, as many Hub checkpoints are: 1, -2, 0.5, 1
    const f16 = { dtype: 'float16' as const, dims: [2, 2], data: Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x3c00) };
    await writeSafetensors(path, { 'distilbert.encoder.weight': f16, 'distilbert.pooler.weight': { dtype: 'float32', dims: [1], data: Float32Array.of(1) } });
    const r = await s.loadWeights(path, { prefix: 'distilbert.' });
    assert.deepEqual(r, { loaded: ['encoder.weight'], missing: ['classifier.weight'], unused: ['distilbert.pooler.weight'] });
    const p = await s.getParams();
    assert.deepEqual(p.get('encoder.weight'), Float32Array.of(1, -2, 0.5, 1));
    assert.deepEqual(p.get('classifier.weight'), Float32Array.of(7, 8));
    await assert.rejects(s.loadWeights(path, { prefix: 'distilbert.', strict: true }), /no tensor for 1 parameter\(s\): classifier.weight/);
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
});
