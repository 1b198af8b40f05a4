/**
 * The federated wire format, one binary body per HTTP message: a 4-byte little-endian header
 * length, a JSON header, then the tensors' raw bytes back to back (float32 or int8, in header
 * order). Binary rather than JSON numbers so that "bytes sent" is the real cost of a float32 or
 * int8 update, not of decimal text.
 */
import type { NamedTensor } from '../../models/logistic/net.js';
import { dequantiseInt8, quantiseInt8 } from './int8.js';

export interface TensorHeader {
  name: string;
  dims: number[];
  dtype: 'float32' | 'int8';
  scale?: number;
}

export interface Message<H> {
  header: H & { tensors: TensorHeader[] };
  tensors: NamedTensor[];
}

export function encodeMessage(header: object, tensors: NamedTensor[], compress: 'none' | 'int8' = 'none'): Buffer {
  const heads: TensorHeader[] = [];
  const parts: Buffer[] = [];
  for (const t of tensors) {
    if (compress === 'int8') {
      const q = quantiseInt8(t.data);
      heads.push({ name: t.name, dims: t.dims, dtype: 'int8', scale: q.scale });
      parts.push(Buffer.from(q.values.buffer, q.values.byteOffset, q.values.byteLength));
    } else {
      heads.push({ name: t.name, dims: t.dims, dtype: 'float32' });
      parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  const json = Buffer.from(JSON.stringify({ ...header, tensors: heads }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  return Buffer.concat([len, json, ...parts]);
}

export function decodeMessage<H>(body: Buffer): Message<H> {
  if (body.length < 4) throw new Error('federated message: shorter than its header length');
  const hlen = body.readUInt32LE(0);
  if (4 + hlen > body.length) throw new Error('federated message: header runs past the body');
  const header = JSON.parse(body.subarray(4, 4 + hlen).toString('utf8')) as Message<H>['header'];
  let off = 4 + hlen;
  const tensors: NamedTensor[] = header.tensors.map((h) => {
    const n = h.dims.reduce((a, b) => a * b, 1);
    const bytes = h.dtype === 'int8' ? n : 4 * n;
    if (off + bytes > body.length) throw new Error(`federated message: tensor ${h.name} runs past the body`);
    const raw = new Uint8Array(bytes);
    raw.set(body.subarray(off, off + bytes));
    off += bytes;
    const data = h.dtype === 'int8'
      ? dequantiseInt8({ scale: h.scale ?? 1, values: new Int8Array(raw.buffer) })
      : new Float32Array(raw.buffer);
    return { name: h.name, dims: h.dims, data };
  });
  return { header, tensors };
}
