/**
 * The tensors of the Open Inference Protocol (KServe V2) as verde's models take and give them:
 * checking a request's `inputs` (name, datatype, shape, data count) and turning them into the
 * instances the existing predict path parses, and building the `outputs` of an answer.
 *
 * A text model takes one input `text`, BYTES, shape [batch] or [batch, 1], one string per row.
 * A tabular model takes one input `features`, FP32, shape [batch, nFeatures], the features in the
 * manifest's order (GET /v2/models/{name} lists them); a categorical feature is given as the index
 * of its category (the number the model itself receives), a missing value as null.
 * Outputs: `label` (BYTES [batch]) and `probabilities` (FP32 [batch, nClasses], the classes in the
 * order of the metadata's `labels`).
 */
import type { ModelManifest } from '../registry/manifest.js';
import { clip } from './request-error.js';

/** An OIP error: answered as `{"error": message}` with this status. */
export class OipError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'OipError';
  }
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: Record<string, unknown>;
}

const TEXT_INPUT = 'text';
const FEATURES_INPUT = 'features';
export const LABEL_OUTPUT = 'label';
export const PROBABILITIES_OUTPUT = 'probabilities';

/** The model's inputs as GET /v2/models/{name} describes them (-1: any batch size). */
export function inputMetadata(manifest: ModelManifest): TensorMetadata[] {
  if (manifest.task === 'text-classification') return [{ name: TEXT_INPUT, datatype: 'BYTES', shape: [-1] }];
  const feats = manifest.tabular!.features;
  return [
    {
      name: FEATURES_INPUT,
      datatype: 'FP32',
      shape: [-1, feats.length],
      parameters: { features: feats.map((f) => (f.type === 'categorical' ? { name: f.name, type: f.type, categories: f.categories ?? [] } : { name: f.name, type: f.type })) },
    },
  ];
}

export function outputMetadata(manifest: ModelManifest): TensorMetadata[] {
  return [
    { name: LABEL_OUTPUT, datatype: 'BYTES', shape: [-1] },
    { name: PROBABILITIES_OUTPUT, datatype: 'FP32', shape: [-1, manifest.labels.length], parameters: { labels: manifest.labels } },
  ];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Row-major elements of `data` (the protocol allows nested arrays as well as a flat one). */
function flatten(data: unknown[], out: unknown[] = []): unknown[] {
  for (const d of data) {
    if (Array.isArray(d)) flatten(d, out);
    else out.push(d);
  }
  return out;
}

function checkParameters(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!isObject(v)) throw new OipError(400, `${where}.parameters: must be an object (got ${typeOf(v)})`);
  if ('binary_data_size' in v) throw new OipError(400, `${where}.parameters.binary_data_size: the binary tensor data extension is not supported; send the data as JSON`);
}

export interface InferRequest {
  /** Echoed in the answer when given. */
  id?: string;
  /** What the existing predict path parses: `{"instances": [...]}`. */
  instances: unknown[];
  /** The outputs asked for, in order (all of them when the request names none). */
  outputs: string[];
}

/** Check an infer request's body against the model's one input and turn its rows into instances. */
export function parseInferRequest(body: unknown, manifest: ModelManifest, maxRows: number): InferRequest {
  if (!isObject(body)) throw new OipError(400, 'the body must be a JSON object like {"inputs": [...]}');
  const known = new Set(['id', 'parameters', 'inputs', 'outputs']);
  const extra = Object.keys(body).find((k) => !known.has(k));
  if (extra !== undefined) throw new OipError(400, `unknown field "${clip(extra)}" (an infer request has id, parameters, inputs, outputs)`);
  if (body.id !== undefined && typeof body.id !== 'string') throw new OipError(400, `id: must be a string (got ${typeOf(body.id)})`);
  checkParameters(body.parameters, 'request');
  const wanted = inputMetadata(manifest)[0]!;
  if (!Array.isArray(body.inputs)) throw new OipError(400, `inputs: must be an array (got ${typeOf(body.inputs)})`);
  if (body.inputs.length !== 1) throw new OipError(400, `inputs: the model takes exactly one input, "${wanted.name}" (got ${body.inputs.length})`);
  const input = body.inputs[0];
  if (!isObject(input)) throw new OipError(400, `inputs[0]: must be an object {name, shape, datatype, data} (got ${typeOf(input)})`);
  if (input.name !== wanted.name) throw new OipError(400, `inputs[0].name: the model's input is "${wanted.name}" (got ${typeof input.name === 'string' ? `"${clip(input.name)}"` : typeOf(input.name)})`);
  const where = `input "${wanted.name}"`;
  checkParameters(input.parameters, where);
  if (input.datatype !== wanted.datatype) throw new OipError(400, `${where}: datatype must be ${wanted.datatype} (got ${typeof input.datatype === 'string' ? clip(input.datatype, 16) : typeOf(input.datatype)})`);
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
    throw new OipError(400, `${where}: shape must be an array of non-negative integers (got ${clip(JSON.stringify(shape) ?? 'nothing')})`);
  }
  const dims = shape as number[];
  const batch = dims[0] ?? 0;
  const text = wanted.datatype === 'BYTES';
  const rowWidth = text ? 1 : wanted.shape[1]!;
  const shapeOk = text ? dims.length === 1 || (dims.length === 2 && dims[1] === 1) : dims.length === 2 && dims[1] === rowWidth;
  if (!shapeOk) throw new OipError(400, `${where}: shape must be ${text ? '[batch] or [batch, 1]' : `[batch, ${rowWidth}]`} (got [${dims.join(', ')}])`);
  if (batch === 0) throw new OipError(400, `${where}: the batch must hold at least one row`);
  if (batch > maxRows) throw new OipError(413, `${where}: ${batch} rows, more than the limit of ${maxRows} per request (--max-instances)`);
  if (!Array.isArray(input.data)) throw new OipError(400, `${where}: data must be an array (got ${typeOf(input.data)})`);
  const flat = flatten(input.data);
  if (flat.length !== batch * rowWidth) throw new OipError(400, `${where}: shape [${dims.join(', ')}] holds ${batch * rowWidth} elements but data has ${flat.length}`);
  const instances = text ? textRows(flat, where) : tabularRows(flat, batch, manifest, where);

  let outputs = [LABEL_OUTPUT, PROBABILITIES_OUTPUT];
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw new OipError(400, `outputs: must be an array (got ${typeOf(body.outputs)})`);
    outputs = body.outputs.map((o, i) => {
      if (!isObject(o) || typeof o.name !== 'string') throw new OipError(400, `outputs[${i}]: must be an object with a name`);
      if (o.name !== LABEL_OUTPUT && o.name !== PROBABILITIES_OUTPUT) throw new OipError(400, `outputs[${i}].name: unknown output "${clip(o.name)}" (the model gives ${LABEL_OUTPUT}, ${PROBABILITIES_OUTPUT})`);
      checkParameters(o.parameters, `output "${o.name}"`);
      return o.name;
    });
  }
  return { ...(body.id !== undefined ? { id: body.id as string } : {}), instances, outputs };
}

function textRows(flat: unknown[], where: string): unknown[] {
  return flat.map((v, i) => {
    if (typeof v !== 'string') throw new OipError(400, `${where}: element ${i} must be a string (BYTES as JSON; got ${typeOf(v)})`);
    return v;
  });
}

/** FP32 rows into the `{feature: value}` instances the predict path parses (a category by its name). */
function tabularRows(flat: unknown[], batch: number, manifest: ModelManifest, where: string): unknown[] {
  const feats = manifest.tabular!.features;
  const rows: unknown[] = [];
  for (let r = 0; r < batch; r++) {
    const row: Record<string, unknown> = {};
    feats.forEach((f, j) => {
      const v = flat[r * feats.length + j];
      const at = `${where}: row ${r}, feature ${j} ("${f.name}")`;
      if (v === null) row[f.name] = null;
      else if (typeof v !== 'number') throw new OipError(400, `${at}: must be a number or null (got ${typeOf(v)})`);
      else if (!Number.isFinite(Math.fround(v))) throw new OipError(400, `${at}: must be a number within FP32's range (got ${v})`);
      else if (f.type === 'categorical') {
        const cats = f.categories ?? [];
        if (!Number.isInteger(v) || v < 0 || v >= cats.length) throw new OipError(400, `${at}: a categorical feature takes the index of its category, an integer in [0, ${cats.length}) (got ${v})`);
        row[f.name] = cats[v];
      } else row[f.name] = v;
    });
    rows.push(row);
  }
  return rows;
}

export interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: Array<string | number>;
}

/** The answer's `outputs`, in the order asked for. */
export function outputTensors(results: Array<{ label: string; probabilities: number[] }>, nClasses: number, wanted: string[]): OutputTensor[] {
  return wanted.map((name) =>
    name === LABEL_OUTPUT
      ? { name, datatype: 'BYTES', shape: [results.length], data: results.map((r) => r.label) }
      : { name, datatype: 'FP32', shape: [results.length, nClasses], data: results.flatMap((r) => r.probabilities.map((p) => Math.fround(p))) },
  );
}
