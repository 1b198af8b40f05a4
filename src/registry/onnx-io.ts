/**
 * The inputs and outputs of an ONNX model file, read from its protobuf wire format without loading
 * it into ONNX Runtime: a manifest can then be checked against its graph before any session exists
 * (and a truncated or foreign file gets a one-line error instead of reaching native code).
 * Only what is needed is read: big fields (nodes, initializer data) are skipped by their length, so
 * a 250 MB model costs a few hundred small reads.
 *
 * Wire format (protobuf): each field is a varint key (field number << 3 | wire type) then a varint
 * (type 0), 8 bytes (1), a varint length and that many bytes (2) or 4 bytes (5).
 * ModelProto.graph = 7; GraphProto.initializer = 5, input = 11, output = 12;
 * TensorProto.name = 8; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1;
 * TypeProto.Tensor.shape = 2; TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { fail } from '../util/errors.js';

export interface OnnxValue {
  name: string;
  /** Dimensions: a number when fixed, a string when symbolic (e.g. "batch"), null when unknown; null when no shape is given. */
  dims: (number | string | null)[] | null;
  /** TensorProto.DataType of a tensor value (1 float, 7 int64, ...), when given. */
  elemType?: number;
}

export interface OnnxIo {
  /** The graph's inputs a caller feeds (initializers listed as inputs, as old IR versions do, are left out). */
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

class Malformed extends Error {}

/** Reads a file at random positions through a 64 KiB window. */
class FileBytes {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  constructor(private readonly fh: FileHandle, readonly size: number) {}

  async get(pos: number, len: number): Promise<Buffer> {
    if (pos < 0 || len < 0 || pos + len > this.size) throw new Malformed(`a field runs past the end of the file (byte ${pos + len} of ${this.size})`);
    if (pos < this.windowStart || pos + len > this.windowStart + this.window.length) {
      const want = Math.min(Math.max(len, 65536), this.size - pos);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await this.fh.read(buf, 0, want, pos);
      this.window = buf.subarray(0, bytesRead);
      this.windowStart = pos;
      if (bytesRead < len) throw new Malformed(`the file ends early (byte ${pos + len} of ${this.size})`);
    }
    return this.window.subarray(pos - this.windowStart, pos - this.windowStart + len);
  }
}

interface Field { num: number; wire: number; /** varint value (wire 0) */ value: number; /** payload position and length (wire 2) */ pos: number; len: number }

/** Decode a varint from `buf` at `at`; returns [value, next position]. Values above 2^53 lose precision (only lengths and dims are read). */
function varint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= buf.length) throw new Malformed('a varint runs past the end of its message');
    const b = buf[at + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (!(b & 0x80)) return [value, at + i + 1];
  }
  throw new Malformed('a varint is longer than 10 bytes');
}

/**
 * The field starting at `at` in `buf`: its number, wire type, varint value (wire 0) and where its
 * payload starts and how long it is. The payload itself need not be in `buf`.
 */
function fieldAt(buf: Uint8Array, at: number): { field: Field; next: number } {
  const [key, afterKey] = varint(buf, at);
  const num = Math.floor(key / 8);
  const wire = key % 8;
  if (num === 0) throw new Malformed('field number 0');
  switch (wire) {
    case 0: { const [value, next] = varint(buf, afterKey); return { field: { num, wire, value, pos: next, len: 0 }, next }; }
    case 1: return { field: { num, wire, value: 0, pos: afterKey, len: 8 }, next: afterKey + 8 };
    case 5: return { field: { num, wire, value: 0, pos: afterKey, len: 4 }, next: afterKey + 4 };
    case 2: { const [len, pos] = varint(buf, afterKey); return { field: { num, wire, value: 0, pos, len }, next: pos + len }; }
    default: throw new Malformed(`unsupported wire type ${wire}`);
  }
}

/** The fields of the message in `buf` (small messages, parsed in memory). */
function fieldsOf(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const { field, next } = fieldAt(buf, at);
    if (next > buf.length) throw new Malformed(`field ${field.num} runs past the end of its message`);
    out.push(field);
    at = next;
  }
  return out;
}

/** Walk the fields of the message at [start, end) of the file, reading only keys and lengths. */
async function* walk(file: FileBytes, start: number, end: number): AsyncGenerator<Field> {
  let at = start;
  while (at < end) {
    // a key and a length are at most 10 bytes each; the payload stays on disk
    const { field, next } = fieldAt(await file.get(at, Math.min(20, end - at)), 0);
    const absolute = { ...field, pos: at + field.pos };
    at += next;
    if (at > end) throw new Malformed(`field ${field.num} runs past the end of its message (byte ${at} of ${end})`);
    yield absolute;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Malformed('a name is not valid UTF-8');
  }
}

function stringOf(buf: Uint8Array, f: Field): string {
  if (f.wire !== 2) throw new Malformed(`field ${f.num} should be a string`);
  return decodeUtf8(buf.subarray(f.pos, f.pos + f.len));
}

function subOf(buf: Uint8Array, f: Field): Uint8Array {
  if (f.wire !== 2) throw new Malformed(`field ${f.num} should be a message`);
  return buf.subarray(f.pos, f.pos + f.len);
}

/** A ValueInfoProto's name and, when given, its tensor shape. */
function valueInfo(buf: Uint8Array): OnnxValue {
  let name = '';
  let dims: OnnxValue['dims'] = null;
  let elemType: number | undefined;
  for (const f of fieldsOf(buf)) {
    if (f.num === 1) name = stringOf(buf, f);
    else if (f.num === 2) {
      const type = subOf(buf, f);
      for (const t of fieldsOf(type)) {
        if (t.num !== 1) continue; // tensor_type
        const tensor = subOf(type, t);
        for (const s of fieldsOf(tensor)) {
          if (s.num === 1 && s.wire === 0) elemType = s.value; // elem_type
          if (s.num !== 2) continue; // shape
          const shape = subOf(tensor, s);
          dims = [];
          for (const d of fieldsOf(shape)) {
            if (d.num !== 1) continue;
            const dim = subOf(shape, d);
            let v: number | string | null = null;
            for (const x of fieldsOf(dim)) {
              if (x.num === 1 && x.wire === 0) v = x.value;
              else if (x.num === 2) v = stringOf(dim, x);
            }
            dims.push(v);
          }
        }
      }
    }
  }
  return elemType === undefined ? { name, dims } : { name, dims, elemType };
}

/** Largest ValueInfoProto read into memory: names and shapes are small; anything bigger is not an I/O description. */
const MAX_VALUE_INFO_BYTES = 1 << 20;

async function readIo(file: FileBytes): Promise<OnnxIo> {
  let graph: Field | undefined;
  for await (const f of walk(file, 0, file.size)) if (f.num === 7 && f.wire === 2) graph = f;
  if (!graph) throw new Malformed('no graph');
  const inputs: OnnxValue[] = [];
  const outputs: OnnxValue[] = [];
  const initializers = new Set<string>();
  for await (const f of walk(file, graph.pos, graph.pos + graph.len)) {
    if ((f.num === 11 || f.num === 12) && f.wire === 2) {
      if (f.len > MAX_VALUE_INFO_BYTES) throw new Malformed(`a graph ${f.num === 11 ? 'input' : 'output'} description of ${f.len} bytes`);
      (f.num === 11 ? inputs : outputs).push(valueInfo(await file.get(f.pos, f.len)));
    } else if (f.num === 5 && f.wire === 2) {
      for await (const t of walk(file, f.pos, f.pos + f.len)) {
        if (t.num === 8 && t.wire === 2 && t.len <= MAX_VALUE_INFO_BYTES) initializers.add(decodeUtf8(await file.get(t.pos, t.len)));
      }
    }
  }
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}

/** The graph inputs and outputs of the ONNX model at `path`; a file that is not one is a one-line UserError. */
export async function readOnnxIo(path: string): Promise<OnnxIo> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    fail(path, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const { size } = await fh.stat();
    return await readIo(new FileBytes(fh, size));
  } catch (err) {
    if (err instanceof Malformed) fail(path, `not a valid ONNX model (${err.message}; truncated or corrupted?)`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code) fail(path, `cannot read (${code})`);
    throw err;
  } finally {
    await fh.close();
  }
}
