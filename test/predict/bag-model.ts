/**
 * A small but real text classifier for predict's tests, written as ONNX with onnx-proto (no
 * verde graph code involved, so predict is tested on its own): logits = sum over the real tokens
 * (attention_mask = 1) of a per-token score table E[token] + bias. The [PAD] row has a huge score,
 * so any padding that leaks past the mask shows in the result. Its exact output is computed
 * independently in TypeScript by `expectedProbabilities`.
 */
import onnxProto from 'onnx-proto';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { bertBaseUncasedTokenizer, saveTokenizer, type WordPieceTokenizer } from '../../src/tokenizers/index.js';
import { modelVersion, writeManifest, type ModelManifest } from '../../src/registry/manifest.js';

const { onnx } = onnxProto;

export const BAG_LABELS = ['ham', 'spam'];
const WORD_SCORES: Record<string, [number, number]> = {
  free: [0, 2], money: [0, 1.5], win: [0, 1], click: [0, 0.8],
  meeting: [1.5, 0], lunch: [1, 0], tomorrow: [0.7, 0], thanks: [0.9, 0],
};
const BIAS: [number, number] = [0.1, -0.1];

export interface BagModel {
  table: Float32Array;
  tokenizer: WordPieceTokenizer;
}

export async function bagModel(): Promise<BagModel> {
  const tokenizer = await bertBaseUncasedTokenizer(32);
  const table = new Float32Array(tokenizer.vocabSize * 2);
  table.set([50, -50], tokenizer.padId * 2); // padding must be masked out
  table.set([0.5, 0], tokenizer.clsId * 2);
  table.set([0, 0.25], tokenizer.sepId * 2);
  for (const [word, s] of Object.entries(WORD_SCORES)) table.set(s, tokenizer.tokenId(word)! * 2);
  return { table, tokenizer };
}

function floatTensor(name: string, data: Float32Array, dims: number[]) {
  return onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
}

function int64Tensor(name: string, values: number[]) {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
}

function valueInfo(name: string, elemType: number, dims: (string | number)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
}

export function bagOnnx(m: BagModel): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const node = (opType: string, input: string[], output: string[], attribute: object[] = []) =>
    onnx.NodeProto.create({ opType, input, output, attribute, name: output[0] });
  const graph = onnx.GraphProto.create({
    name: 'bag-of-tokens',
    initializer: [
      floatTensor('E', m.table, [m.tokenizer.vocabSize, 2]),
      floatTensor('bias', Float32Array.from(BIAS), [2]),
      int64Tensor('axis2', [2]),
      int64Tensor('axis1', [1]),
    ],
    input: [valueInfo('input_ids', T.INT64, ['batch', 'sequence']), valueInfo('attention_mask', T.INT64, ['batch', 'sequence'])],
    output: [valueInfo('logits', T.FLOAT, ['batch', 2])],
    node: [
      node('Gather', ['E', 'input_ids'], ['emb'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('Cast', ['attention_mask'], ['maskf'], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }]),
      node('Unsqueeze', ['maskf', 'axis2'], ['mask3']),
      node('Mul', ['emb', 'mask3'], ['masked']),
      node('ReduceSum', ['masked', 'axis1'], ['summed'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('Add', ['summed', 'bias'], ['logits']),
    ],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'verde-test', opsetImport: [{ domain: '', version: 17 }], graph });
  return onnx.ModelProto.encode(model).finish();
}

/** The classifier's probabilities for `text`, computed without ONNX: sum the table rows of its tokens. */
export function expectedProbabilities(m: BagModel, text: string, maxLength = 32): number[] {
  const logits = [...BIAS];
  for (const id of m.tokenizer.encode(text, { maxLength })) {
    logits[0] += m.table[id * 2]!;
    logits[1] += m.table[id * 2 + 1]!;
  }
  const mx = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - mx));
  return e.map((v) => v / (e[0]! + e[1]!));
}

/** Write a complete verde model directory (verde.json, model.onnx, vocab.txt, tokenizer_config.json). */
export async function writeBagModelDir(dir: string, m: BagModel, overrides: Partial<ModelManifest> = {}): Promise<void> {
  const bytes = bagOnnx(m);
  await writeFile(join(dir, 'model.onnx'), bytes);
  await saveTokenizer(dir, m.tokenizer);
  const createdAt = '2026-11-29T19:30:00Z';
  await writeManifest(dir, {
    format: 'verde-model', formatVersion: 1, name: 'bag-of-tokens', version: modelVersion(bytes, createdAt),
    task: 'text-classification', labels: BAG_LABELS, createdAt,
    text: { maxLength: 32, doLowerCase: true },
    io: { inputs: ['input_ids', 'attention_mask'], output: 'logits', outputKind: 'logits' },
    lineage: { technique: 'test-fixture' },
    ...overrides,
  });
}
