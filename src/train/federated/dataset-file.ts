/**
 * A client's private rows on disk (features matrix + 0/1 labels) in the federated wire format, so
 * a forked client can read them without the coordinator ever holding them in memory.
 */
import { readFile } from 'node:fs/promises';
import type { Matrix } from '../../tabular/matrix.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { decodeMessage, encodeMessage } from './wire.js';

export interface LabelledRows {
  x: Matrix;
  y: Uint8Array;
}

export async function writeClientDataset(path: string, d: LabelledRows): Promise<void> {
  const body = encodeMessage({ kind: 'dataset' }, [
    { name: 'x', dims: [d.x.rows, d.x.cols], data: d.x.data },
    { name: 'y', dims: [d.y.length], data: Float32Array.from(d.y) },
  ]);
  await writeFileAtomic(path, body);
}

export async function readClientDataset(path: string): Promise<LabelledRows> {
  const { tensors } = decodeMessage<{ kind: string }>(await readFile(path));
  const [x, y] = tensors;
  return { x: { data: x.data, rows: x.dims[0], cols: x.dims[1] }, y: Uint8Array.from(y.data) };
}
