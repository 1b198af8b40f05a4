/**
 * A Triton Inference Server model configuration (config.pbtxt, protobuf text format of Triton's
 * model_config.proto) for a verde ONNX model: the onnxruntime platform, inputs and outputs with
 * data types and dims read from the graph (the batch dimension left out when Triton batches),
 * the labels file on the probabilities output, dynamic batching and the instance group.
 */
import type { OnnxValue } from '../registry/onnx-io.js';
import { fail } from '../util/errors.js';

/** ONNX TensorProto.DataType -> Triton's DataType. */
const TRITON_TYPES: Record<number, string> = {
  1: 'TYPE_FP32',
  2: 'TYPE_UINT8',
  3: 'TYPE_INT8',
  4: 'TYPE_UINT16',
  5: 'TYPE_INT16',
  6: 'TYPE_INT32',
  7: 'TYPE_INT64',
  8: 'TYPE_STRING',
  9: 'TYPE_BOOL',
  10: 'TYPE_FP16',
  11: 'TYPE_FP64',
  12: 'TYPE_UINT32',
  13: 'TYPE_UINT64',
  16: 'TYPE_BF16',
};

export interface TritonTensor {
  name: string;
  dataType: string;
  dims: number[];
  labelFilename?: string;
}

export interface TritonConfig {
  name: string;
  /** 0: Triton does not batch (the graph has a fixed first dimension). */
  maxBatchSize: number;
  inputs: TritonTensor[];
  outputs: TritonTensor[];
  /** Present when maxBatchSize > 0. */
  dynamicBatching?: { preferredBatchSize: number[]; maxQueueDelayMicroseconds: number };
  instanceGroup: { count: number; kind: 'KIND_CPU' | 'KIND_GPU' };
}

/** Whether the graph's first dimension of every value is free (symbolic or unknown): Triton may batch. */
export function batchable(values: OnnxValue[]): boolean {
  return values.every((v) => v.dims !== null && v.dims.length >= 1 && typeof v.dims[0] !== 'number');
}

/** A graph value as a Triton tensor: its type, and its dims without the batch dimension when batching (-1 for a free one). */
export function tritonTensor(where: string, v: OnnxValue, batching: boolean): TritonTensor {
  const dataType = v.elemType !== undefined ? TRITON_TYPES[v.elemType] : undefined;
  if (!dataType) fail(where, `"${v.name}" has ${v.elemType === undefined ? 'no tensor type' : `ONNX element type ${v.elemType}, which Triton has no type for`}`);
  if (v.dims === null) fail(where, `"${v.name}" has no shape in the graph (Triton needs dims)`);
  const dims = (batching ? v.dims.slice(1) : v.dims).map((d) => (typeof d === 'number' ? d : -1));
  return { name: v.name, dataType, dims };
}

const q = (s: string) => JSON.stringify(s); // a protobuf text-format string: JSON's escapes are valid there

function tensorText(t: TritonTensor): string {
  const lines = [`    name: ${q(t.name)}`, `    data_type: ${t.dataType}`, `    dims: [ ${t.dims.join(', ')} ]`];
  if (t.labelFilename) lines.push(`    label_filename: ${q(t.labelFilename)}`);
  return `  {\n${lines.join('\n')}\n  }`;
}

/** config.pbtxt's text. */
export function configText(c: TritonConfig): string {
  const out = [
    `name: ${q(c.name)}`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${c.maxBatchSize}`,
    `input [\n${c.inputs.map(tensorText).join(',\n')}\n]`,
    `output [\n${c.outputs.map(tensorText).join(',\n')}\n]`,
  ];
  if (c.dynamicBatching) {
    const d = c.dynamicBatching;
    out.push(`dynamic_batching {\n  preferred_batch_size: [ ${d.preferredBatchSize.join(', ')} ]\n  max_queue_delay_microseconds: ${d.maxQueueDelayMicroseconds}\n}`);
  }
  out.push(`instance_group [\n  {\n    count: ${c.instanceGroup.count}\n    kind: ${c.instanceGroup.kind}\n  }\n]`);
  return out.join('\n') + '\n';
}
