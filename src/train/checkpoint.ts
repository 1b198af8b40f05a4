/**
 * Kill-and-resume for training runs. A run's checkpoint directory holds:
 *   run.json                     what the run was started with: its flags and a hash of its data
 *                                and starting weights (a resume with other flags or data is refused);
 *   <fit>/progress.json          per training loop: step, epoch, batches done, loss so far, history,
 *                                early stopping's best, and the names of the two files below;
 *   <fit>/state-<step>.safetensors  weights + optimiser moments + step counters (the model's saveCheckpoint);
 *   <fit>/best-<epoch>.safetensors  early stopping's best weights so far.
 * Every file is written atomically (temp + rename) and progress.json last: it is the commit point,
 * so a SIGKILL at any moment leaves the previous checkpoint whole. Superseded files are removed
 * after the commit. The training loop (src/engine/fit/loop.ts) calls this through its FitCheckpointer
 * interface: the loop sits in the engine so that models can use it, this on-disk format of a run
 * sits here, above the models, because a run's checkpoint spans several of them (e.g. `verde text`'s
 * baseline, pruned and recovery fits).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../engine/safetensors.js';
import type { HostTensor } from '../engine/types.js';
import type { FitCheckpointer, FitProgress, Trainable } from '../engine/fit/loop.js';
import { exists, writeJsonAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';

const RUN_FORMAT = 'verde-run-checkpoint/1';
const PROGRESS_FORMAT = 'verde-fit-progress/2'; // 2: the generic loop's progress (early stopping's state)

/** Flag values that define a run (JSON-comparable); undefined means "the default". */
export type RunFlags = Record<string, string | number | boolean | undefined>;

interface RunFile {
  format: string;
  flags: RunFlags;
  data?: string;
}

interface ProgressFile {
  format: string;
  state: string;
  best: string | null;
  progress: FitProgress;
}

/** sha256 over byte arrays and strings, in order (each part length-prefixed so parts cannot run together). */
export function fingerprint(parts: Iterable<ArrayBufferView | string>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const bytes = typeof p === 'string' ? Buffer.from(p) : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    h.update(String(bytes.byteLength) + ':');
    h.update(bytes);
  }
  return h.digest('hex');
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${path}: unreadable checkpoint file (${(err as Error).message}); run without --resume to start over`);
  }
}

export interface RunCheckpointOptions {
  /** Continue the run checkpointed in `dir` (refused when there is none or it differs). */
  resume: boolean;
  flags: RunFlags;
  /** How a flag key is spelled on the command line, for error messages. */
  flagName?: (key: string) => string;
  /** Steps between checkpoints (0: epochs only). */
  every: number;
}

/** One run's checkpoint directory; `fit(name)` gives each training loop its own checkpointer. */
export class RunCheckpoint {
  private constructor(
    readonly dir: string,
    private readonly opts: RunCheckpointOptions,
    private run: RunFile,
  ) {}

  /**
   * Open `dir` for a run. Fresh runs replace whatever is there; `resume` requires a checkpoint made
   * with the same flags (checked here, before any work) and, later, the same data (checkData).
   */
  static async open(dir: string, opts: RunCheckpointOptions): Promise<RunCheckpoint> {
    const runPath = join(dir, 'run.json');
    if (!opts.resume) {
      // Nothing is written until the data is known (checkData): a run that fails while reading
      // its data leaves no checkpoint directory behind.
      await rm(dir, { recursive: true, force: true });
      return new RunCheckpoint(dir, opts, { format: RUN_FORMAT, flags: opts.flags });
    }
    const run = await readJson<RunFile>(runPath);
    if (!run) throw new UserError(`--resume: no checkpoint in ${dir} (nothing to resume; run without --resume to start)`);
    if (run.format !== RUN_FORMAT || typeof run.flags !== 'object' || run.flags === null) throw new UserError(`--resume: ${runPath} is not a verde run checkpoint`);
    const name = opts.flagName ?? ((k: string) => k);
    for (const key of new Set([...Object.keys(run.flags), ...Object.keys(opts.flags)])) {
      const was = run.flags[key];
      const now = opts.flags[key];
      if (was !== now) {
        const show = (v: unknown) => (v === undefined ? 'the default' : JSON.stringify(v));
        throw new UserError(`--resume: the checkpoint in ${dir} was made with ${name(key)} ${show(was)}, this run has ${show(now)} (resume with the same flags, or run without --resume)`);
      }
    }
    return new RunCheckpoint(dir, opts, run);
  }

  /** Record (fresh run) or compare (resume) the hash of the training data and starting weights. */
  async checkData(hash: string): Promise<void> {
    if (!this.opts.resume) {
      this.run = { ...this.run, data: hash };
      await mkdir(this.dir, { recursive: true });
      await writeJsonAtomic(join(this.dir, 'run.json'), this.run);
      return;
    }
    if (this.run.data !== hash) throw new UserError(`--resume: the training data or starting model differ from the checkpointed run's (${this.dir}); resume with the same data, or run without --resume`);
  }

  /** The checkpointer of one training loop (its own subdirectory). */
  fit(name: string): FitCheckpointer {
    // Said even with VERDE_QUIET (which silences progress bars): a resume changes what the run does.
    const say = (line: string) => process.stderr.write(`verde: ${line}\n`);
    return new FitCheckpointDir(join(this.dir, name), this.opts.every, (p) => say(p.done ? `${name}: already finished in the checkpoint (step ${p.step})` : `resuming ${name} from step ${p.step} (epoch ${p.epoch}, ${p.batch} batches into it)`));
  }

  /** The run completed: its checkpoint is no longer needed. */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Saves one training loop (fitLoop) to one directory (see the file comment). */
export class FitCheckpointDir implements FitCheckpointer {
  private bestFile: string | null = null;

  constructor(
    readonly dir: string,
    readonly every: number,
    private readonly onResume?: (progress: FitProgress) => void,
  ) {}

  async save(model: Trainable<never>, progress: FitProgress, best: Map<string, Float32Array> | null, bestChanged: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const state = `state-${progress.step}.safetensors`;
    await model.saveCheckpoint(join(this.dir, state), { epoch: String(progress.epoch), batch: String(progress.batch) });
    if (bestChanged && best) {
      const file = `best-${progress.epoch}.safetensors`;
      const tensors = new Map<string, HostTensor>([...best].map(([n, data]) => [n, { dtype: 'float32', dims: [data.length], data }]));
      await writeSafetensors(join(this.dir, file), tensors);
      this.bestFile = file;
    }
    const file: ProgressFile = { format: PROGRESS_FORMAT, state, best: this.bestFile, progress };
    await writeJsonAtomic(join(this.dir, 'progress.json'), file); // the commit point
    await this.removeAllBut(state, false);
  }

  /** Remove superseded files (and, when resuming, temporaries a killed writer left behind). */
  private async removeAllBut(state: string, temporariesToo: boolean): Promise<void> {
    const keep = new Set([state, this.bestFile, 'progress.json']);
    for (const f of await readdir(this.dir)) if (!keep.has(f) && (temporariesToo || !f.startsWith('.'))) await rm(join(this.dir, f), { force: true });
  }

  async load(model: Trainable<never>): Promise<{ progress: FitProgress; best: Map<string, Float32Array> | null } | null> {
    const path = join(this.dir, 'progress.json');
    const file = await readJson<ProgressFile>(path);
    if (!file) return null;
    if (file.format !== PROGRESS_FORMAT || !file.progress || typeof file.state !== 'string') throw new UserError(`${path}: not a verde training checkpoint; run without --resume to start over`);
    const statePath = join(this.dir, file.state);
    if (!(await exists(statePath))) throw new UserError(`${statePath}: missing (the checkpoint is incomplete); run without --resume to start over`);
    await model.loadCheckpoint(statePath);
    if (model.step !== file.progress.step) throw new UserError(`${statePath}: at step ${model.step}, ${path} says ${file.progress.step}; run without --resume to start over`);
    let best: Map<string, Float32Array> | null = null;
    if (file.best) {
      const { tensors } = await readSafetensors(join(this.dir, file.best));
      best = new Map([...tensors].map(([n, t]) => [n, t.data as Float32Array]));
      this.bestFile = file.best;
    }
    await this.removeAllBut(file.state, true);
    this.onResume?.(file.progress);
    return { progress: file.progress, best };
  }
}
