/**
 * `verde export triton`: a Triton model repository for a verde model directory,
 *   REPO/NAME/config.pbtxt, REPO/NAME/1/model.onnx (a byte copy), REPO/NAME/labels.txt,
 *   REPO/NAME/verde-batch-cost.json (the measurement the batching settings came from),
 * written atomically (a temporary sibling renamed into place). Text models take token ids
 * (input_ids, attention_mask): clients tokenise with the model's own tokenizer (docs/deploy.md).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openModelDir } from '../registry/model-dir.js';
import { writeDirAtomic } from '../util/atomic.js';
import { fail, UserError } from '../util/errors.js';
import { checkWhole } from '../util/flags.js';
import { DEFAULT_BATCH_SIZES, measureBatchCost, preferredBatchSizes, type BatchCost } from './batch-cost.js';
import { batchable, configText, tritonTensor, type TritonConfig } from './triton-config.js';

export const LABELS_FILE = 'labels.txt';
export const BATCH_COST_FILE = 'verde-batch-cost.json';

export interface TritonExportOptions {
  model: string;
  out: string;
  name?: string;
  /** false: skip the measurement and prefer the default sizes. */
  measure: boolean;
  maxBatchSize: number;
  maxQueueDelayUs: number;
  kind: 'cpu' | 'gpu';
  instances: number;
  /** Seconds of measurement per batch size. */
  secondsPerSize?: number;
}

export interface TritonExport {
  dir: string;
  config: TritonConfig;
  costs: BatchCost[];
}

/** A Triton model name: it is a directory name and a URL path segment. */
const MODEL_NAME = /^[A-Za-z0-9_.-]+$/;

export async function exportTriton(o: TritonExportOptions): Promise<TritonExport> {
  const model = await openModelDir(o.model);
  const name = o.name ?? model.manifest.name;
  if (!MODEL_NAME.test(name) || name === '.' || name === '..') throw new UserError(`--name ${JSON.stringify(name)}: a Triton model name holds only letters, digits, "_", "." and "-"`);
  checkWhole('--max-batch-size', o.maxBatchSize, 1);
  const bad = model.manifest.labels.find((l) => /[\r\n]/.test(l));
  if (bad !== undefined) fail(model.manifestPath, `field "labels": ${JSON.stringify(bad)} holds a line break, which ${LABELS_FILE} (one label per line) cannot carry`);

  const used = new Set(model.manifest.io.inputs);
  const inputs = model.io.inputs.filter((i) => used.has(i.name));
  const output = model.io.outputs.find((x) => x.name === model.manifest.io.output)!;
  const batching = batchable([...inputs, output]);
  const where = model.modelPath;
  const sizes = DEFAULT_BATCH_SIZES.filter((s) => s <= o.maxBatchSize);
  if (!sizes.includes(o.maxBatchSize)) sizes.push(o.maxBatchSize);
  let costs: BatchCost[] = [];
  let preferred = sizes.filter((s) => s >= Math.min(8, o.maxBatchSize));
  if (batching && o.measure) {
    costs = await measureBatchCost(model, { sizes, secondsPerSize: o.secondsPerSize ?? 0.3, tolerance: 0.1, textLength: Math.min(model.manifest.text?.maxLength ?? 128, 128) });
    preferred = preferredBatchSizes(costs, 0.1);
  }
  const config: TritonConfig = {
    name,
    maxBatchSize: batching ? o.maxBatchSize : 0,
    inputs: inputs.map((i) => tritonTensor(where, i, batching)),
    outputs: [{ ...tritonTensor(where, output, batching), labelFilename: LABELS_FILE }],
    ...(batching ? { dynamicBatching: { preferredBatchSize: preferred, maxQueueDelayMicroseconds: o.maxQueueDelayUs } } : {}),
    instanceGroup: { count: o.instances, kind: o.kind === 'gpu' ? 'KIND_GPU' : 'KIND_CPU' },
  };
  const dir = join(o.out, name);
  await writeDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, 'config.pbtxt'), configText(config));
    await writeFile(join(tmp, LABELS_FILE), model.manifest.labels.join('\n') + '\n');
    await mkdir(join(tmp, '1'));
    await copyFile(model.modelPath, join(tmp, '1', 'model.onnx'));
    const measured = costs.length > 0 ? { method: costs[0]!.method, tolerance: 0.1, costs } : { skipped: batching ? '--no-measure' : 'the graph has a fixed batch dimension' };
    await writeFile(join(tmp, BATCH_COST_FILE), JSON.stringify({ model: model.dir, version: model.manifest.version, preferredBatchSize: preferred, ...measured }, null, 2) + '\n');
  });
  return { dir, config, costs };
}
