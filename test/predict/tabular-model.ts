/**
 * A tiny tabular verde model written with onnx-proto for predict's tests: features [amount,
 * category] -> missing values (NaN) replaced by 0 -> MatMul W + b -> Softmax -> probabilities.
 * `expectedTabular` computes the same in TypeScript.
 */
import onnxProto from 'onnx-proto';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { modelVersion, writeManifest } from '../../src/registry/manifest.js';

const { onnx } = onnxProto;
const W = [0.01, -0.01, 0.5, -0.5]; // [2 features, 2 labels] row-major
const B = [0.2, -0.2];
export const CATEGORIES = ['food', 'travel'];

export function expectedTabular(amount: number, category: string | null): number[] {
  const cat = category === null ? NaN : CATEGORIES.indexOf(category);
  const x = [Number.isNaN(amount) ? 0 : amount, Number.isNaN(cat) || cat < 0 ? 0 : cat];
  const logits = [0, 1].map((j) => x[0]! * W[j]! + x[1]! * W[2 + j]! + B[j]!);
  const mx = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - mx));
  return e.map((v) => v / (e[0]! + e[1]!));
}

export async function writeTabularModelDir(dir: string): Promise<void> {
  const T = onnx.TensorProto.DataType;
  const f32 = (name: string, v: number[], dims: number[]) => onnx.TensorProto.create({ name, dims, dataType: T.FLOAT, floatData: v });
  const vi = (name: string, dims: (string | number)[]) => onnx.ValueInfoProto.create({
    name, type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
  const node = (opType: string, input: string[], output: string[], attribute: object[] = []) => onnx.NodeProto.create({ opType, input, output, attribute, name: output[0] });
  const graph = onnx.GraphProto.create({
    name: 'tiny-tabular',
    initializer: [f32('W', W, [2, 2]), f32('B', B, [2]), f32('zero', [0], [])],
    input: [vi('features', ['batch', 2])],
    output: [vi('probabilities', ['batch', 2])],
    node: [
      node('IsNaN', ['features'], ['nan']),
      node('Where', ['nan', 'zero', 'features'], ['clean']),
      node('MatMul', ['clean', 'W'], ['xw']),
      node('Add', ['xw', 'B'], ['logits']),
      node('Softmax', ['logits'], ['probabilities'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
    ],
  });
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
  await writeFile(join(dir, 'model.onnx'), bytes);
  const createdAt = '2026-11-29T19:30:00Z';
  await writeManifest(dir, {
    format: 'verde-model', formatVersion: 1, name: 'tiny-tabular', version: modelVersion(bytes, createdAt),
    task: 'tabular-classification', labels: ['legit', 'fraud'], createdAt,
    tabular: { features: [{ name: 'amount', type: 'numeric' }, { name: 'category', type: 'categorical', categories: CATEGORIES }] },
    io: { inputs: ['features'], output: 'probabilities', outputKind: 'probabilities' },
  });
}
