/**
 * Open a verde model directory the one way predict, serve and calibrate all use: resolve it, read
 * `verde.json` once (field checks: manifest-check.ts) and check it against what is on disk before
 * any ONNX Runtime session exists:
 *   - model.onnx is an ONNX model whose graph has the manifest's inputs and output (the graph's
 *     other inputs could never be fed), with as many output columns as labels and, for tabular
 *     models, as many input columns as features, where the graph fixes those sizes;
 *   - text models: `text.maxLength` fits the position table (config.json's max_position_embeddings);
 *   - early-exit stages are files inside the directory (no `..`, no absolute path, no symbolic link
 *     out of it), each an ONNX graph with the manifest's output.
 * Every problem is a one-line UserError naming the file and the field.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { exists } from '../util/atomic.js';
import { fail } from '../util/errors.js';
import { readJsonObject } from '../util/json-file.js';
import { readManifest, type ModelManifest } from './manifest.js';
import { CONFIG_FILE, MANIFEST_FILE, MODEL_FILE } from './files.js';
import { checkStagePath, shownValue } from './manifest-check.js';
import { readOnnxIo, type OnnxIo, type OnnxValue } from './onnx-io.js';

/** The inputs a verde text model takes: what predict and serve fill (manifest.ts's textManifest). */
export const TEXT_INPUTS: readonly string[] = ['input_ids', 'attention_mask'];

export interface ModelDir {
  /** Absolute path of the directory. */
  dir: string;
  manifest: ModelManifest;
  manifestPath: string;
  modelPath: string;
  /** model.onnx's graph inputs and outputs. */
  io: OnnxIo;
  /** Absolute paths of the early-exit stage files, in manifest order (checked inside `dir`). */
  stagePaths: string[];
}

const names = (vs: OnnxValue[]) => vs.map((v) => v.name).join(', ') || 'none';
const lastDim = (v: OnnxValue | undefined) => (v?.dims && typeof v.dims[v.dims.length - 1] === 'number' ? (v.dims[v.dims.length - 1] as number) : null);

/** The manifest's io against one graph (model.onnx or a stage); `inputs` are the names that graph must be fed with. */
function checkGraphIo(where: string, manifestPath: string, m: ModelManifest, io: OnnxIo, inputs: readonly string[]): void {
  const output = io.outputs.find((o) => o.name === m.io.output);
  if (!output) fail(manifestPath, `field "io.output" is "${m.io.output}" but ${where} has no such output (outputs: ${names(io.outputs)})`);
  const width = lastDim(output);
  if (width !== null && width !== m.labels.length) fail(manifestPath, `field "labels" lists ${m.labels.length} labels but ${where}'s output "${m.io.output}" has ${width} columns`);
  for (const i of io.inputs) {
    if (!inputs.includes(i.name)) fail(manifestPath, `${where} takes an input "${i.name}" that field "io.inputs" does not list (inputs: ${inputs.join(', ')})`);
  }
}

async function checkModel(d: { manifestPath: string; modelPath: string; manifest: ModelManifest }, io: OnnxIo): Promise<void> {
  const { manifest: m, manifestPath } = d;
  for (const name of m.io.inputs) {
    if (!io.inputs.some((i) => i.name === name)) fail(manifestPath, `field "io.inputs" lists "${name}" but ${d.modelPath} has no such input (inputs: ${names(io.inputs)})`);
  }
  if (m.task === 'text-classification') {
    const odd = m.io.inputs.find((i) => !TEXT_INPUTS.includes(i));
    if (odd) fail(manifestPath, `field "io.inputs" lists "${odd}"; text models take ${TEXT_INPUTS.join(', ')}`);
  } else {
    if (m.io.inputs.length !== 1) fail(manifestPath, `field "io.inputs" must name the one features input of a tabular model (got ${shownValue(m.io.inputs)})`);
    const width = lastDim(io.inputs.find((i) => i.name === m.io.inputs[0]));
    const n = m.tabular!.features.length;
    if (width !== null && width !== n) fail(manifestPath, `field "tabular.features" lists ${n} features but ${d.modelPath}'s input "${m.io.inputs[0]}" has ${width} columns`);
  }
  checkGraphIo(d.modelPath, manifestPath, m, io, m.io.inputs);
}

/** `text.maxLength` against the position table the directory's config.json declares. */
async function checkTextLength(dir: string, manifestPath: string, m: ModelManifest): Promise<void> {
  const configPath = join(dir, CONFIG_FILE);
  if (!(await exists(configPath))) return; // manifest-check.ts's MAX_TEXT_LENGTH bounds it
  const positions = (await readJsonObject(configPath)).max_position_embeddings;
  if (positions === undefined) return;
  if (!Number.isInteger(positions) || (positions as number) < 2) fail(configPath, `field "max_position_embeddings" must be a whole number >= 2 (got ${shownValue(positions)})`);
  if (m.text!.maxLength > (positions as number)) {
    fail(manifestPath, `field "text.maxLength" ${m.text!.maxLength} exceeds the model's position table (max_position_embeddings ${positions} in ${configPath})`);
  }
}

/** Each stage file, resolved through symbolic links, must lie inside the directory. */
async function stagePathsOf(realDir: string, dir: string, manifestPath: string, m: ModelManifest): Promise<string[]> {
  const out: string[] = [];
  for (const [i, stage] of (m.earlyExit?.stages ?? []).entries()) {
    const path = join(dir, checkStagePath(manifestPath, i, stage));
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      fail(manifestPath, `field "earlyExit.stages[${i}]": ${path} cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!real.startsWith(realDir + sep)) fail(manifestPath, `field "earlyExit.stages[${i}]": ${path} leads outside the model directory (to ${real})`);
    if (!(await stat(real)).isFile()) fail(manifestPath, `field "earlyExit.stages[${i}]": ${path} is not a file`);
    out.push(real);
  }
  return out;
}

/** Open and check the verde model directory `dirArg` (see the file comment). */
export async function openModelDir(dirArg: string): Promise<ModelDir> {
  const dir = resolve(dirArg);
  let realDir: string;
  try {
    realDir = await realpath(dir);
    if (!(await stat(realDir)).isDirectory()) fail(dirArg, 'not a directory (a verde model directory holds verde.json and model.onnx)');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) fail(dirArg, `cannot open the model directory (${(err as NodeJS.ErrnoException).code})`);
    throw err;
  }
  const manifest = await readManifest(dir);
  const manifestPath = join(dir, MANIFEST_FILE);
  const modelPath = join(dir, MODEL_FILE);
  if (!(await exists(modelPath))) fail(modelPath, `not found (a verde model directory needs ${MODEL_FILE})`);
  const io = await readOnnxIo(modelPath);
  await checkModel({ manifestPath, modelPath, manifest }, io);
  if (manifest.task === 'text-classification') await checkTextLength(dir, manifestPath, manifest);
  const stagePaths = await stagePathsOf(realDir, dir, manifestPath, manifest);
  let handedOn: string[] = [];
  for (const [k, path] of stagePaths.entries()) {
    // stage 0 takes the model's inputs; each later one also the previous stage's <x>_out as <x>_in
    const stageIo = await readOnnxIo(path);
    checkGraphIo(`early-exit stage ${k} (${path})`, manifestPath, manifest, stageIo, [...manifest.io.inputs, ...handedOn]);
    handedOn = stageIo.outputs.filter((o) => o.name.endsWith('_out')).map((o) => `${o.name.slice(0, -4)}_in`);
  }
  return { dir, manifest, manifestPath, modelPath, io, stagePaths };
}
