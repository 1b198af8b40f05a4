/**
 * Watching pointer files and swapping the served version when one changes:
 *   - `--watch FILE`: `{"dir": "...", "version": ..., "name"?: "..."}`, dir relative to the file's folder;
 *     or `{"cascade": {"small": "...", "large": "..."}, ...}`: a cascade served as one model, swapped whole;
 *   - `--registry PATH --alias NAME`: every `PATH/aliases/<model>/NAME.json` (registry-contract.md,
 *     format verde-alias/1, dir relative to PATH); one appearing starts serving that model, one
 *     removed stops serving it (after its requests are answered).
 * Polled (--watch-interval-ms): pointer files are replaced by rename, which inotify-style watches
 * lose track of, and a poll of a few small files a second costs nothing. A bad pointer or model
 * directory keeps the old version serving, logs one line and counts verde_model_swap_failures_total;
 * the same bad content is not retried (or logged again) until the file changes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import type { ModelSource, Slot } from './model-source.js';

export interface Pointer {
  /** Served name; absent in a --watch pointer without "name" (the manifest's name is used). */
  name?: string;
  /** The model directory; for a cascade, its small model's. */
  dir: string;
  /** A cascade's large model directory (a --watch pointer with "cascade"). */
  large?: string;
  version: number | string;
}

/** What a pointer serves, for "has it changed": the directory, or both of a cascade's. */
export function pointerTarget(p: Pointer): string {
  return p.large === undefined ? p.dir : `small=${p.dir},large=${p.large}`;
}

/** Loads a version (workers ready) as a slot; the name is the pointer's, else the manifest's. */
export type VersionLoader = (p: Pointer, fromRegistry: boolean) => Promise<Slot>;

const ALIAS_FORMAT = 'verde-alias/1';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A --watch pointer file's content, checked; `dir` resolved against the file's folder. */
export function parseWatchPointer(file: string, text: string): Pointer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not JSON (${(err as Error).message})`);
  }
  if (!isObject(v)) throw new UserError(`${file}: expected an object {"dir": "...", "version": ...}`);
  let large: string | undefined;
  if (v.cascade !== undefined) {
    // A cascade: {"cascade": {"small": "...", "large": "..."}, "version": ..., "name"?: ...}, served as one model.
    const c = v.cascade;
    if (v.dir !== undefined) throw new UserError(`${file}: give "dir" (one model) or "cascade" (two), not both`);
    if (!isObject(c) || typeof c.small !== 'string' || c.small === '' || typeof c.large !== 'string' || c.large === '') {
      throw new UserError(`${file}: field "cascade" must be {"small": "DIR", "large": "DIR"} (non-empty strings)`);
    }
    v.dir = c.small;
    large = resolve(dirname(file), c.large);
  }
  if (typeof v.dir !== 'string' || v.dir === '') throw new UserError(`${file}: field "dir" must be a non-empty string (the model directory)`);
  if (!((typeof v.version === 'number' && Number.isFinite(v.version)) || (typeof v.version === 'string' && v.version !== ''))) {
    throw new UserError(`${file}: field "version" must be a number or a non-empty string`);
  }
  if (v.name !== undefined && (typeof v.name !== 'string' || v.name === '')) throw new UserError(`${file}: field "name" must be a non-empty string when given`);
  return { ...(v.name !== undefined ? { name: v.name as string } : {}), dir: resolve(dirname(file), v.dir), ...(large !== undefined ? { large } : {}), version: v.version };
}

/** A registry alias pointer (verde-alias/1), checked; `dir` resolved against the registry root. */
export function parseAliasPointer(file: string, text: string, root: string): Pointer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not JSON (${(err as Error).message})`);
  }
  if (!isObject(v)) throw new UserError(`${file}: expected a ${ALIAS_FORMAT} object`);
  if (v.format !== ALIAS_FORMAT) throw new UserError(`${file}: field "format" must be "${ALIAS_FORMAT}" (got ${JSON.stringify(v.format)})`);
  if (typeof v.name !== 'string' || v.name === '') throw new UserError(`${file}: field "name" must be a non-empty string`);
  if (typeof v.version !== 'number' || !Number.isInteger(v.version) || v.version < 1) throw new UserError(`${file}: field "version" must be a positive integer`);
  if (typeof v.dir !== 'string' || v.dir === '') throw new UserError(`${file}: field "dir" must be a non-empty string (relative to the registry)`);
  return { name: v.name, dir: resolve(root, v.dir), version: v.version };
}

interface Watched {
  /** File content last acted on (success or failure); the same content is not tried again. */
  content: string | null;
  /** Name served from this file after its first successful load. */
  served?: string;
}

export interface PointerWatchOptions {
  watch: string[];
  registry?: string;
  alias?: string;
  intervalMs: number;
}

export class PointerWatcher {
  private readonly files = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: PointerWatchOptions, private readonly source: ModelSource, private readonly load: VersionLoader) {}

  get active(): boolean {
    return this.opts.watch.length > 0 || (this.opts.registry !== undefined && this.opts.alias !== undefined);
  }

  /**
   * First look: load what the pointers name. A bad --watch pointer is an error here (the user named
   * that file); a bad registry alias is logged and skipped, as later.
   */
  async start(): Promise<void> {
    if (!this.active) return;
    const errors = await this.tick(true);
    const own = errors.filter((e) => e.strict);
    if (own.length > 0) throw new UserError(own[0]!.message);
    this.timer = setInterval(() => {
      if (this.running || this.stopped) return;
      this.running = this.tick().then(
        () => undefined,
        (err: unknown) => void process.stderr.write(`verde serve: pointer watch: ${(err as Error).message}\n`),
      );
      void this.running.finally(() => (this.running = null));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stop polling; resolves once a swap in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** The pointer files to look at now: --watch files, and the registry's alias files that exist. */
  private async targets(): Promise<Array<{ file: string; registry: boolean }>> {
    const out = this.opts.watch.map((f) => ({ file: resolve(f), registry: false }));
    const { registry, alias } = this.opts;
    if (registry !== undefined && alias !== undefined) {
      let models: string[] = [];
      try {
        models = (await readdir(join(registry, 'aliases'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      } catch {
        // no aliases yet
      }
      for (const m of models.sort()) {
        const file = join(registry, 'aliases', m, `${alias}.json`);
        if (await readFile(file, 'utf8').then(() => true, () => false)) out.push({ file, registry: true });
      }
    }
    return out;
  }

  /** One look at every pointer; `starting`: a --watch file's error is thrown by start(), not logged. */
  private async tick(starting = false): Promise<Array<{ message: string; strict: boolean }>> {
    const errors: Array<{ message: string; strict: boolean }> = [];
    const targets = await this.targets();
    const present = new Set(targets.map((t) => t.file));
    for (const t of targets) {
      if (this.stopped) break;
      const w = this.files.get(t.file) ?? { content: null };
      this.files.set(t.file, w);
      let text: string;
      try {
        text = await readFile(t.file, 'utf8');
      } catch (err) {
        text = `\u0000unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      }
      if (text === w.content) continue;
      w.content = text;
      const failed = (message: string) => {
        const name = w.served ?? (t.registry ? basename(dirname(t.file)) : basename(t.file, '.json'));
        this.source.swapFailures.inc({ model: name });
        const still = w.served ? this.source.get(w.served) : undefined;
        const line = `${message}${still ? `; still serving ${still.model.name} version ${still.version}` : ''}`;
        const strict = !t.registry && w.served === undefined;
        if (!(starting && strict)) process.stderr.write(`verde serve: ${line}\n`);
        errors.push({ message: line, strict });
      };
      if (text.startsWith('\u0000unreadable: ')) {
        failed(`${t.file}: cannot read the pointer file (${text.slice(13)})`);
        continue;
      }
      let p: Pointer;
      try {
        p = t.registry ? parseAliasPointer(t.file, text, resolve(this.opts.registry!)) : parseWatchPointer(t.file, text);
      } catch (err) {
        failed((err as Error).message);
        continue;
      }
      const current = w.served ? this.source.get(w.served) : undefined;
      if (current && current.version === String(p.version) && (p.name === undefined || p.name === current.model.name) && current.usage.id.modelDir === pointerTarget(p)) continue;
      let next: Slot;
      try {
        next = await this.load(p, t.registry);
      } catch (err) {
        failed(`${t.file}: version ${p.version}: ${(err as Error).message}`);
        continue;
      }
      if (this.stopped) {
        await next.model.predictor.close();
        break;
      }
      const previous = w.served;
      w.served = next.model.name;
      process.stderr.write(`verde serve: ${next.model.name}: serving version ${next.version} from ${pointerTarget(p)}${current ? ` (was ${current.version}; draining it)` : ''}\n`);
      // The pointer renamed its model: the old name stops serving.
      if (previous !== undefined && previous !== next.model.name) await this.source.remove(previous);
      await this.source.swap(next);
    }
    // Registry aliases removed: stop serving them (their requests are answered first).
    for (const [file, w] of this.files) {
      if (present.has(file) || !this.opts.registry || this.opts.watch.some((f) => resolve(f) === file)) continue;
      this.files.delete(file);
      if (w.served !== undefined) {
        process.stderr.write(`verde serve: ${w.served}: alias ${this.opts.alias} removed (${file}); draining and no longer serving it\n`);
        await this.source.remove(w.served);
      }
    }
    return errors;
  }
}
