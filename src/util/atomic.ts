/**
 * Atomic writes: nothing half-written is ever left where a user (or a later run) would read it.
 * Files are written to a temporary sibling and renamed; directories are assembled in a temporary
 * sibling directory and renamed into place, replacing an older one only once the new one is complete.
 */
import { copyFile, mkdir, rename, rm, writeFile, appendFile, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sweepStale, tempName, trackTemp } from './cleanup.js';

/**
 * `.<name>.<pid>.<hex>.tmp` beside `path`: removed on SIGINT/SIGTERM while in use (cleanup.ts);
 * after a SIGKILL the pid tells the next run that its owner is gone.
 */
function tmpSibling(path: string): string {
  return join(dirname(path), tempName(`.${basename(path)}.`, '.tmp'));
}

/** Write `data` to `path` atomically (temp file + rename). Creates the parent directory. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await viaTempSibling(path, (tmp) => writeFile(tmp, data));
}

/** Copy `src` to `dest` atomically (temp file + rename). Creates the parent directory. */
export async function copyFileAtomic(src: string, dest: string): Promise<void> {
  await viaTempSibling(dest, (tmp) => copyFile(src, tmp));
}

/** `make` fills a temp sibling of `path`, which is then renamed onto it (and removed if anything fails). */
async function viaTempSibling(path: string, make: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpSibling(path);
  const untrack = trackTemp(tmp);
  try {
    await make(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    untrack();
  }
}

/** JSON with two-space indentation and a trailing newline, written atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Append `text` to `path` without ever leaving a torn file: the old content plus the new text are
 * written to a temp file and renamed over the original (files here are small: CSV logs).
 */
export async function appendFileAtomic(path: string, text: string): Promise<void> {
  let old = '';
  try {
    old = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await writeFileAtomic(path, old + text);
}

/**
 * Build a directory atomically: `fill` writes into a fresh temporary directory; on success it is
 * renamed to `dir` (an existing `dir` is replaced), on failure it is removed and `dir` is untouched.
 */
export async function writeDirAtomic<T>(dir: string, fill: (tmpDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(dir), { recursive: true });
  // Left by runs killed with SIGKILL. A `.old` is the previous output moved aside: garbage once
  // `dir` holds the new one, the only copy (kept) if the run died between the two renames.
  const hasDir = await exists(dir);
  await sweepStale(dirname(dir), `.${basename(dir)}.`, (name) => name.endsWith('.old') && !hasDir);
  const tmp = tmpSibling(dir);
  const old = `${tmp}.old`;
  const untrack = [trackTemp(tmp)];
  await mkdir(tmp, { recursive: true });
  try {
    const result = await fill(tmp);
    const existed = await exists(dir);
    if (existed) await rename(dir, old);
    await rename(tmp, dir);
    if (existed) {
      untrack.push(trackTemp(old)); // the new output is in place: the old one may go, even on Ctrl-C
      await rm(old, { recursive: true, force: true });
    }
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    untrack.forEach((u) => u());
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Fail early, with a UserError-friendly message, if `dir` cannot be created or written. */
export async function ensureWritableDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const probe = tmpSibling(join(dir, 'probe'));
  await writeFile(probe, '');
  await rm(probe, { force: true });
}

export { appendFile };
