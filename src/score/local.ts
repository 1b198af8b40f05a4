/**
 * `verde score` on one machine: the shards without a part file, one after another, each batch on
 * the model's inference workers (one worker thread per --threads, as `verde serve --workers`),
 * the whole run under the energy meter (process scope: this process and its worker threads).
 */
import { resolve } from 'node:path';
import { Tracker, type EnergyReport, type MeterOptions } from '../meter/index.js';
import { WorkerGroup } from '../serve/worker-group.js';
import { progressBar } from '../util/progress.js';
import { UserError } from '../util/errors.js';
import { prepareRun, type ScoreOptions } from './plan.js';
import { scoreShard } from './score-shard.js';
import { verifyParts } from './verify.js';
import type { ScorePlan } from './shards.js';

export interface LocalScoreOptions extends ScoreOptions {
  /** Inference worker threads (each with one ONNX Runtime thread). */
  threads: number;
  meter?: MeterOptions;
}

export interface ScoreResult {
  plan: ScorePlan;
  resumed: boolean;
  /** Shards and rows scored by this invocation (a resume skips the rest). */
  shardsScored: number;
  rowsScored: number;
  /** Seconds spent scoring (model load excluded). */
  seconds: number;
  energy: EnergyReport;
}

export async function scoreLocal(opts: LocalScoreOptions): Promise<ScoreResult> {
  const { plan, manifest, cols, resumed, todo } = await prepareRun(opts);
  const group = new WorkerGroup(plan.model, manifest, opts.threads, 1, null);
  try {
    await group.ready.catch((err: unknown) => {
      throw new UserError(`--model ${opts.model}: cannot load (${(err as Error).message.split('\n')[0]})`);
    });
    const todoRows = todo.reduce((a, s) => a + s.end - s.start, 0);
    const bar = progressBar('verde score', todoRows, ['rows_per_s']);
    const tracker = new Tracker({ intervalMs: 500, ...opts.meter });
    await tracker.start();
    const started = performance.now();
    let rowsScored = 0;
    try {
      for (const shard of todo) {
        await scoreShard(group, {
          data: plan.data, out: resolve(opts.out), shard, batchRows: opts.batchRows, cols,
          onRows: (n) => {
            rowsScored += n;
            bar.update(rowsScored, { rows_per_s: Math.round(rowsScored / ((performance.now() - started) / 1000)) });
          },
        });
      }
    } catch (err) {
      await tracker.stop().catch(() => undefined);
      throw err;
    } finally {
      bar.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const energy = await tracker.stop();
    const verdict = await verifyParts(resolve(opts.out), plan);
    if (!verdict.ok) throw new Error(`score: the parts in ${opts.out} do not cover the input exactly once: ${verdict.problem}`);
    return { plan, resumed, shardsScored: todo.length, rowsScored, seconds, energy };
  } finally {
    await group.close();
  }
}
