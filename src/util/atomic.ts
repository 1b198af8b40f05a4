/**
 * Atomic writes: nothing half-written is ever left where a user (or a later run) would read it.
 * Files are written to a temporary sibling and renamed; directories are assembled in a temporary
 * sibling directory and renamed into place, replacing an older one only once the new one is complete.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile, appendFile, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tmpSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Write `data` to `path` atomically (temp file + rename). Creates the parent directory. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpSibling(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
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
  const tmp = tmpSibling(dir);
  await mkdir(tmp, { recursive: true });
  try {
    const result = await fill(tmp);
    const old = `${tmp}.old`;
    const existed = await exists(dir);
    if (existed) await rename(dir, old);
    await rename(tmp, dir);
    if (existed) await rm(old, { recursive: true, force: true });
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
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
