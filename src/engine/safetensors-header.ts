/**
 * The safetensors header, checked as the format requires before any byte of data is read
 * (https://github.com/huggingface/safetensors, the reference reader's `validate`):
 *   - the header is UTF-8 JSON starting with `{` (at most 100 MB, the reference's limit), an object;
 *   - `__metadata__`, if present, maps strings to strings (null: none, as the reference reads it);
 *   - every other key is a tensor: an object with a known `dtype`, a `shape` of non-negative
 *     integers and `data_offsets` [begin, end], integers relative to the data region;
 *   - end - begin = product(shape) x the dtype's size;
 *   - the ranges, sorted, tile the data region exactly: no overlap, no hole, none outside it.
 * Tiling also defuses duplicate JSON keys (JSON.parse keeps the last; the dropped range becomes a
 * hole) and polyglot files (bytes no tensor accounts for). Every violation is a one-line UserError
 * naming the file and the tensor.
 */
import { UserError } from '../util/errors.js';
import type { DType } from './types.js';

/** The reference implementation refuses larger headers too. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The format's dtypes verde reads: to the host dtype (F16/BF16 are widened to float32) and size. */
export const ST_DTYPES: Readonly<Record<string, { dtype: DType; bytes: number }>> = Object.freeze({
  F32: { dtype: 'float32', bytes: 4 },
  F64: { dtype: 'float64', bytes: 8 },
  F16: { dtype: 'float32', bytes: 2 },
  BF16: { dtype: 'float32', bytes: 2 },
  I64: { dtype: 'int64', bytes: 8 },
  I32: { dtype: 'int32', bytes: 4 },
  U8: { dtype: 'uint8', bytes: 1 },
  I8: { dtype: 'int8', bytes: 1 },
  BOOL: { dtype: 'bool', bytes: 1 },
});

export interface TensorEntry {
  name: string;
  /** The file's dtype name (F32, BF16, ...). */
  stDtype: string;
  dtype: DType;
  shape: number[];
  /** Number of elements, product(shape). */
  count: number;
  /** Byte range relative to the data region. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** In header order. */
  entries: TensorEntry[];
  metadata: Record<string, string>;
}

/** A tensor name as it appears in a one-line error: JSON-quoted, long names shortened. */
export function tensorLabel(name: string): string {
  const q = JSON.stringify(name);
  return q.length > 80 ? `${q.slice(0, 76)}..."` : q;
}

/** A JSON value in a one-line error, shortened. */
function shown(v: unknown): string {
  const s = v === undefined ? 'nothing' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMetadata(value: unknown, where: string): Record<string, string> {
  if (value === null) return {};
  if (!isObject(value)) throw new UserError(`${where}: "__metadata__" must map strings to strings (got ${shown(value)})`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new UserError(`${where}: "__metadata__" entry ${tensorLabel(k)} must be a string (got ${shown(v)})`);
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function checkTensor(name: string, value: unknown, dataBytes: number, where: string): TensorEntry {
  const at = `${where}: tensor ${tensorLabel(name)}`;
  if (!isObject(value)) throw new UserError(`${at}: must be an object with dtype, shape and data_offsets (got ${shown(value)})`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw new UserError(`${at}: "dtype" must be a string (got ${shown(dtype)})`);
  const kind = Object.hasOwn(ST_DTYPES, dtype) ? ST_DTYPES[dtype] : undefined;
  if (!kind) throw new UserError(`${at}: unsupported dtype ${shown(dtype)} (verde reads ${Object.keys(ST_DTYPES).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new UserError(`${at}: "shape" must be a list of non-negative integers (got ${shown(shape)})`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new UserError(`${at}: "data_offsets" must be [begin, end], non-negative integers (got ${shown(offsets)})`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new UserError(`${at}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataBytes) throw new UserError(`${at}: data_offsets [${begin}, ${end}] reach past the data region (${dataBytes} bytes)`);
  // BigInt: a hostile shape's product may overflow a double's exact range
  const count = (shape as number[]).reduce((p, d) => p * BigInt(d), 1n);
  const want = count * BigInt(kind.bytes);
  if (want !== BigInt(end - begin)) {
    throw new UserError(`${at}: offsets [${begin}, ${end}] do not match shape [${(shape as number[]).join(', ')}] ${dtype} (${want} bytes, not ${end - begin})`);
  }
  return { name, stDtype: dtype, dtype: kind.dtype, shape: [...(shape as number[])], count: Number(count), begin, end };
}

/** The tensors' ranges must tile [0, dataBytes) exactly. */
function checkTiling(entries: TensorEntry[], dataBytes: number, where: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: TensorEntry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) {
      throw new UserError(`${where}: tensor ${tensorLabel(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${tensorLabel(prev!.name)} [${prev!.begin}, ${prev!.end}]`);
    }
    if (e.begin > pos) {
      throw new UserError(`${where}: tensor ${tensorLabel(e.name)}: data_offsets [${e.begin}, ${e.end}] leave bytes [${pos}, ${e.begin}) of the data region unaccounted for (the format allows no holes)`);
    }
    pos = e.end;
    prev = e;
  }
  if (pos !== dataBytes) {
    throw new UserError(`${where}: the tensors cover ${pos} of the data region's ${dataBytes} bytes (the format allows no trailing bytes)`);
  }
}

/**
 * Parse and check a safetensors header. `headerBytes` are the N bytes after the 8-byte length;
 * `dataBytes` is the size of the data region that follows them.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, dataBytes: number, where: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new UserError(`${where}: header is not valid UTF-8`);
  }
  if (!text.startsWith('{')) throw new UserError(`${where}: header does not start with "{" (not a safetensors file?)`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${where}: header is not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isObject(header)) throw new UserError(`${where}: header must be a JSON object (got ${shown(header)})`);
  let metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') metadata = checkMetadata(value, where);
    else entries.push(checkTensor(name, value, dataBytes, where));
  }
  checkTiling(entries, dataBytes, where);
  return { entries, metadata };
}
