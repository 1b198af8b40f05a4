/**
 * What the local run and the queue producer both do first: open and check the model directory,
 * check the input has the model's columns, count its rows, and settle the plan in --out.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { openModelDir } from '../registry/model-dir.js';
import type { ModelManifest } from '../registry/manifest.js';
import { describeInput, inputColumns, type InputColumns } from './source.js';
import { doneShards, settlePlan, shardsOf, sweepTempParts, type ScorePlan, type Shard } from './shards.js';

export interface ScoreOptions {
  model: string;
  data: string;
  out: string;
  /** Rows per inference batch. */
  batchRows: number;
  /** Rows per shard (one part file each; one queue job each). */
  shardRows: number;
  /** Text models: the column with the text. */
  textCol: string;
}

/** Local runs own --out and sweep killed writers' temporary parts first; a queue producer sweeps at its end, when no worker of its run can still be writing. */
export interface PrepareOptions {
  sweepFirst: boolean;
}

export interface PreparedRun {
  plan: ScorePlan;
  manifest: ModelManifest;
  cols: InputColumns;
  resumed: boolean;
  /** Shards without a part file yet. */
  todo: Shard[];
}

export async function prepareRun(opts: ScoreOptions, how: PrepareOptions = { sweepFirst: true }): Promise<PreparedRun> {
  const dir = resolve(opts.model);
  const { manifest } = await openModelDir(dir).catch((err: unknown) => {
    if (err instanceof UserError) throw err;
    throw new UserError(`--model ${opts.model}: ${(err as Error).message.split('\n')[0]}`);
  });
  const cols = inputColumns(manifest, opts.textCol);
  const data = resolve(opts.data);
  const { rows } = await describeInput(data, cols);
  const out = resolve(opts.out);
  await mkdir(out, { recursive: true });
  const plan: ScorePlan = {
    format: 'verde-score', formatVersion: 1, data, model: dir, modelName: manifest.name, modelVersion: manifest.version,
    labels: manifest.labels, textCol: cols.kind === 'text' ? opts.textCol : null, rows, shardRows: opts.shardRows,
    shards: Math.ceil(rows / opts.shardRows),
  };
  const resumed = await settlePlan(out, plan);
  if (how.sweepFirst) await sweepTempParts(out);
  const done = await doneShards(out);
  return { plan, manifest, cols, resumed, todo: shardsOf(plan).filter((s) => !done.has(s.index)) };
}
