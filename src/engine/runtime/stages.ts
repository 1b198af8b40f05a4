/**
 * The one staged early-exit runner (serve's inference workers and early-exit evaluation run their
 * stages through it). A model cut into stages (models/distilbert/exit-graphs.ts) runs stage by stage;
 * after each stage, a row whose largest class probability reaches the threshold answers there and
 * leaves the batch; the last stage answers for every row still in flight. The next stage sees only
 * the rows still undecided: the original inputs, and each `<x>_out` of the stage before as `<x>_in`.
 * A model run whole is the one-stage case.
 */
import { softmaxRowsInPlace } from '../../util/softmax.js';
import { ort } from './ort.js';

export interface StageRunOptions {
  /** The output every stage produces (logits or probabilities, per `outputKind`). */
  output: string;
  outputKind: 'logits' | 'probabilities';
  /** Classes per row; default: the first stage's output size per row. */
  nLabels?: number;
  /** Largest class probability at which a row answers before the last stage (1: only certain rows). */
  threshold: number;
  /** Run every row through every stage and keep each stage's probabilities (threshold choice). */
  trace?: boolean;
  /** Called after each stage's run with the original indices of the rows it ran (energy apportioning). */
  afterStage?: (stage: number, rows: readonly number[]) => void;
}

export interface StageRun {
  /** Row-major [rows, nLabels] probabilities of the stage each row answered at. */
  probabilities: Float32Array;
  /** The stage each row answered at. */
  exits: Int32Array;
  /** With `trace`: per stage, row-major [rows, nLabels] probabilities. */
  trace?: Float32Array[];
}

/** The rows `keep` of a tensor along its first axis. */
function takeRows(t: ort.Tensor, keep: number[]): ort.Tensor {
  const n = t.dims[0]!;
  const per = t.size / n;
  const src = t.data as Float32Array | BigInt64Array | Int32Array;
  const Ctor = src.constructor as { new (len: number): typeof src };
  const out = new Ctor(keep.length * per);
  keep.forEach((r, i) => (out as Float32Array).set((src as Float32Array).subarray(r * per, (r + 1) * per), i * per));
  return new ort.Tensor(t.type as 'float32', out as Float32Array, [keep.length, ...t.dims.slice(1)]);
}

/** Run `rows` rows of `feeds` (the first stage's inputs and more) through `sessions` in order. */
export async function runStages(sessions: ort.InferenceSession[], feeds: Record<string, ort.Tensor>, rows: number, o: StageRunOptions): Promise<StageRun> {
  const { output } = o;
  let nLabels = o.nLabels ?? 0;
  let probabilities = new Float32Array(rows * nLabels);
  const exits = new Int32Array(rows);
  const trace: Float32Array[] | undefined = o.trace ? [] : undefined;
  // `alive[i]` is the original row index of row i of the tensors still in flight.
  let alive = Array.from({ length: rows }, (_, i) => i);
  let pool: Record<string, ort.Tensor> = feeds;
  for (let k = 0; k < sessions.length && alive.length > 0; k++) {
    const s = sessions[k]!;
    const stageFeeds: Record<string, ort.Tensor> = {};
    for (const name of s.inputNames) {
      const t = pool[name];
      if (!t) throw new Error(`stage ${k} needs input "${name}", which no earlier stage produced`);
      stageFeeds[name] = t;
    }
    const out = await s.run(stageFeeds);
    o.afterStage?.(k, alive);
    const y = out[output];
    if (!y) throw new Error(`model output "${output}" missing (outputs: ${s.outputNames.join(', ')})`);
    if (!nLabels) probabilities = new Float32Array(rows * (nLabels = y.size / alive.length));
    const p = Float32Array.from(y.data as Float32Array);
    const bad = p.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`stage ${k} returned a non-finite ${output} value for row ${alive[Math.floor(bad / nLabels)]}`);
    if (o.outputKind === 'logits') softmaxRowsInPlace(p, alive.length, nLabels);
    const last = k === sessions.length - 1;
    trace?.push(p);
    const stay: number[] = [];
    alive.forEach((orig, i) => {
      const row = p.subarray(i * nLabels, (i + 1) * nLabels);
      if (last || (!trace && Math.max(...row) >= o.threshold)) {
        probabilities.set(row, orig * nLabels);
        exits[orig] = k;
      } else stay.push(i);
    });
    if (last || stay.length === 0) break;
    const next: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) next[name] = takeRows(t, stay.map((i) => alive[i]!));
    for (const [name, t] of Object.entries(out)) if (name.endsWith('_out')) next[`${name.slice(0, -4)}_in`] = takeRows(t, stay);
    alive = stay.map((i) => alive[i]!);
    pool = next;
  }
  return { probabilities, exits, trace };
}
