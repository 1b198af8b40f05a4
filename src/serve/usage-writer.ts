/**
 * Writes the usage files (registry-contract.md): one `<name>-v<version>-<pid>.json` per served
 * version under `REGISTRY/usage/` and, with --usage-out, all of them in one file (an object for one
 * model, an array for several). Every write is atomic (temp sibling + rename), so `verde registry
 * audit` never reads half a file; flushes run one after another, never two at once.
 */
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';
import type { UsageStats } from './usage.js';

export interface UsageWriterOptions {
  /** Registry root: files go to ROOT/usage/. */
  registry?: string;
  /** --usage-out FILE. */
  out?: string;
  /** Milliseconds between flushes (0: only at shutdown). */
  intervalMs: number;
}

/** A version's name part: anything but letters, digits, dot, dash and underscore becomes "_". */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

export class UsageWriter {
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Versions no longer served whose last figures have not been written yet. */
  private retired: UsageStats[] = [];

  constructor(private readonly opts: UsageWriterOptions, private readonly live: () => UsageStats[]) {}

  get enabled(): boolean {
    return this.opts.registry !== undefined || this.opts.out !== undefined;
  }

  start(): void {
    if (!this.enabled || this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.flush(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** A version stopped serving (swapped out or its alias removed): written once more at the next flush. */
  retire(stats: UsageStats): void {
    if (this.enabled) this.retired.push(stats);
  }

  /** Write every file now (queued behind a flush in progress). Errors are logged, never thrown: usage must not stop serving. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.write()).catch((err: unknown) => {
      process.stderr.write(`verde serve: cannot write usage files: ${(err as Error).message}\n`);
    });
    return this.chain;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.enabled) await this.flush();
  }

  private async write(): Promise<void> {
    const retired = this.retired.splice(0);
    const all = [...retired, ...this.live()];
    const now = new Date();
    const snaps = all.map((s) => ({ file: s.snapshot(now) }));
    if (this.opts.registry !== undefined) {
      for (const { file } of snaps) {
        await writeJsonAtomic(join(this.opts.registry, 'usage', `${safe(file.name)}-v${safe(String(file.version))}-${process.pid}.json`), file);
      }
    }
    if (this.opts.out !== undefined) {
      const files = snaps.map((s) => s.file);
      await writeJsonAtomic(this.opts.out, files.length === 1 ? files[0] : files);
    }
  }
}
