/**
 * Content-addressed storage of model files: each file is kept once under blobs/<2 hex>/<sha256>,
 * written to a temp sibling and renamed into place, so a blob present under its name is complete.
 * Checking a file is hashing it again (verify, restore).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { copyFileAtomic, exists } from '../../util/atomic.js';
import { blobPath, type RegistryLayout } from './layout.js';
import type { StoredFile } from './types.js';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Regular files under `dir`, relative paths with '/', sorted (symbolic links are not followed). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Store every file of `dir` as a blob (those already there are kept); returns what was stored. */
export async function storeDirFiles(l: RegistryLayout, dir: string): Promise<StoredFile[]> {
  const files: StoredFile[] = [];
  for (const path of await listFiles(dir)) {
    const src = join(dir, path);
    const sha256 = await sha256File(src);
    const bytes = (await stat(src)).size;
    const dest = blobPath(l, sha256);
    if (!(await exists(dest))) await copyFileAtomic(src, dest);
    files.push({ path, sha256, bytes });
  }
  return files;
}

/** Fill `dest` (a new directory) with the files, from their blobs. */
export async function materialise(l: RegistryLayout, files: StoredFile[], dest: string): Promise<void> {
  for (const f of files) {
    const target = join(dest, ...f.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(blobPath(l, f.sha256), target);
  }
}
