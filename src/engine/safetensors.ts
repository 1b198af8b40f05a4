/**
 * Safetensors (Hugging Face's weight format): 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}, __metadata__?: {string: string}}, then raw little-endian
 * data. Reading converts F16/BF16 to float32 (so HF model.safetensors load as they are); writing
 * is atomic (temp file + rename).
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { MAX_HEADER_BYTES, parseSafetensorsHeader } from './safetensors-header.js';
import type { DType, HostTensor, TypedArray } from './types.js';

const TO_ST: Partial<Record<DType, string>> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  int8: 'I8',
  bool: 'BOOL',
};

export interface Safetensors {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Parse safetensors bytes, the whole header checked first (safetensors-header.ts). `where` names the file in errors. */
export function parseSafetensors(buf: Uint8Array, where = 'safetensors'): Safetensors {
  if (buf.byteLength < 8) throw new UserError(`${where}: too short to be a safetensors file`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(buf.byteLength - 8)) throw new UserError(`${where}: header length ${headerLen} exceeds the file size`);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) throw new UserError(`${where}: header length ${headerLen} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`);
  const base = 8 + Number(headerLen);
  const { entries, metadata } = parseSafetensorsHeader(buf.subarray(8, base), buf.byteLength - base, where);
  const tensors = new Map<string, HostTensor>();
  for (const { name, stDtype, dtype, shape, count: n, begin, end } of entries) {
    // copy into an aligned buffer of its own (the file's offsets need not be aligned)
    // (Uint8Array.prototype.slice copies; Buffer#slice would return a view into the file buffer)
    const bytes = Uint8Array.prototype.slice.call(buf, base + begin, base + end);
    let data: TypedArray;
    if (stDtype === 'F16' || stDtype === 'BF16') {
      const src = new Uint16Array(bytes.buffer, 0, n);
      const out = new Float32Array(n);
      if (stDtype === 'BF16') {
        const u = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) u[i] = src[i]! << 16;
      } else for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i]!);
      data = out;
    } else {
      switch (dtype) {
        case 'float32': data = new Float32Array(bytes.buffer, 0, n); break;
        case 'float64': data = new Float64Array(bytes.buffer, 0, n); break;
        case 'int64': data = new BigInt64Array(bytes.buffer, 0, n); break;
        case 'int32': data = new Int32Array(bytes.buffer, 0, n); break;
        case 'int8': data = new Int8Array(bytes.buffer, 0, n); break;
        default: data = new Uint8Array(bytes.buffer, 0, n);
      }
    }
    tensors.set(name, { dtype, dims: shape, data });
  }
  return { tensors, metadata };
}

export async function readSafetensors(path: string): Promise<Safetensors> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseSafetensors(buf, path);
}

/** Serialise tensors (in insertion order) and string metadata to safetensors bytes. */
export function encodeSafetensors(tensors: Map<string, HostTensor> | Record<string, HostTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const dtype = TO_ST[t.dtype];
    if (!dtype) throw new Error(`safetensors: cannot store dtype ${t.dtype} (${name})`);
    header[name] = { dtype, shape: t.dims, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // pad the header with spaces so the data starts 8-byte aligned (as the reference writer does)
  const pad = (8 - ((8 + Buffer.byteLength(json)) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Write a safetensors file atomically. */
export async function writeSafetensors(path: string, tensors: Map<string, HostTensor> | Record<string, HostTensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
