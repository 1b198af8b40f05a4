/** What the data-text tests share: a temporary directory per test, the one-line error check, the CLI. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fixturePath } from '../fixtures/paths.js';

/** The built `verde` CLI and a promise-returning execFile to run it. */
export const CLI = resolve(fixturePath('..', '..', 'dist', 'src', 'cli', 'main.js'));
export const run = promisify(execFile);

/** Run `fn` in a fresh temporary directory (named with `prefix`), removed afterwards whatever happens. */
export async function withDir(fn: (dir: string) => Promise<void>, prefix = 'verde-data-test-'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An assert.rejects check: a UserError of one line matching `re`. */
export const oneLine = (re: RegExp) => (err: Error) => {
  assert.equal(err.name, 'UserError', err.stack);
  assert.ok(!err.message.includes('\n'), err.message);
  assert.match(err.message, re);
  return true;
};
