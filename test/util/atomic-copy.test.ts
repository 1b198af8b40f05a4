/**
 * copyFileAtomic shares writeFileAtomic's temp-sibling-and-rename (the registry stores blobs with it):
 * the copy lands whole, the parent directory is made, and a failed copy leaves neither the target
 * nor a temp file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileAtomic } from '../../src/util/atomic.js';

test('copies whole into a new directory; a failed copy leaves nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-atomic-copy-'));
  try {
    const src = join(dir, 'src.bin');
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    await writeFile(src, bytes);
    const dest = join(dir, 'a', 'b', 'dest.bin');
    await copyFileAtomic(src, dest);
    assert.deepEqual(await readFile(dest), bytes);
    assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['dest.bin']);
    await assert.rejects(copyFileAtomic(join(dir, 'missing.bin'), join(dir, 'c', 'x.bin')), /ENOENT/);
    assert.deepEqual(await readdir(join(dir, 'c')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
