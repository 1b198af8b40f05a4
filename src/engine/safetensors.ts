/**
 * Safetensors (Hugging Face's weight format): 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}, __metadata__?: {string: string}}, then raw little-endian
 * data. Reading converts F16/BF16 to float32 (so HF model.safetensors load as they are); writing
 * is atomic (temp file + rename).
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { DType, HostTensor, TypedArray } from './types.js';

const ST_DTYPES: Record<string, { dtype: DType; bytes: number } | undefined> = {
  F32: { dtype: 'float32', bytes: 4 },
  F64: { dtype: 'float64', bytes: 8 },
  F16: { dtype: 'float32', bytes: 2 }, // widened on read
  BF16: { dtype: 'float32', bytes: 2 }, // widened on read
  I64: { dtype: 'int64', bytes: 8 },
  I32: { dtype: 'int32', bytes: 4 },
  U8: { dtype: 'uint8', bytes: 1 },
  I8: { dtype: 'int8', bytes: 1 },
  BOOL: { dtype: 'bool', bytes: 1 },
};
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

/** Parse safetensors bytes. `where` names the file in errors. */
export function parseSafetensors(buf: Uint8Array, where = 'safetensors'): Safetensors {
  if (buf.byteLength < 8) throw new UserError(`${where}: too short to be a safetensors file`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > buf.byteLength - 8) throw new UserError(`${where}: header length ${headerLen} exceeds the file size`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new UserError(`${where}: header is not valid JSON (${(err as Error).message})`);
  }
  const base = 8 + headerLen;
  const tensors = new Map<string, HostTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const kind = ST_DTYPES[dtype];
    if (!kind) throw new UserError(`${where}: tensor ${name} has unsupported dtype ${dtype}`);
    const [start, end] = data_offsets;
    const n = shape.reduce((p, d) => p * d, 1);
    if (end - start !== n * kind.bytes || base + end > buf.byteLength) {
      throw new UserError(`${where}: tensor ${name} offsets [${start}, ${end}] do not match shape [${shape}] ${dtype}`);
    }
    // copy into an aligned buffer of its own (the file's offsets need not be aligned)
    // (Uint8Array.prototype.slice copies; Buffer#slice would return a view into the file buffer)
    const bytes = Uint8Array.prototype.slice.call(buf, base + start, base + end);
    let data: TypedArray;
    if (dtype === 'F16' || dtype === 'BF16') {
      const src = new Uint16Array(bytes.buffer, 0, n);
      const out = new Float32Array(n);
      if (dtype === 'BF16') {
        const u = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) u[i] = src[i] << 16;
      } else for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i]);
      data = out;
    } else {
      switch (kind.dtype) {
        case 'float32': data = new Float32Array(bytes.buffer, 0, n); break;
        case 'float64': data = new Float64Array(bytes.buffer, 0, n); break;
        case 'int64': data = new BigInt64Array(bytes.buffer, 0, n); break;
        case 'int32': data = new Int32Array(bytes.buffer, 0, n); break;
        case 'int8': data = new Int8Array(bytes.buffer, 0, n); break;
        default: data = new Uint8Array(bytes.buffer, 0, n);
      }
    }
    tensors.set(name, { dtype: kind.dtype, dims: [...shape], data });
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
