/**
 * Temporary files and directories that must not outlive the run that made them.
 *  - `trackTemp(path)` registers a path while it exists; its owner calls the returned release()
 *    once it has renamed or removed it. If SIGINT or SIGTERM ends the process first, every
 *    registered path is removed and the signal is raised again, so the process still dies of it
 *    (exit status 130/143 to a shell). A handler someone else installed for the signal (serve's
 *    graceful stop, measure's forwarding to its child) means the process is not dying of it: the
 *    owners' own `finally` blocks clean up, and `process.exit` is covered by an exit hook.
 *  - SIGKILL cannot be caught, so temporary names carry the owner's pid (`tempName`) and
 *    `sweepStale` removes those whose owner is gone.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tracked = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
let installed = false;

function removeAllNow(): void {
  for (const p of tracked) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort: the process is ending
    }
  }
  tracked.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  const others = process.listeners(signal).filter((l) => l !== handlers[signal]);
  if (others.length > 0) return; // someone else handles it: the process goes on (see the file comment)
  removeAllNow();
  uninstall();
  process.kill(process.pid, signal); // no listener now: the default action ends the process
}

const handlers: Record<string, () => void> = Object.fromEntries(SIGNALS.map((s) => [s, () => onSignal(s)]));

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, handlers[s]!);
  process.on('exit', removeAllNow);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.off(s, handlers[s]!);
  process.off('exit', removeAllNow);
}

/** Remove `path` if the process is interrupted before the returned release() is called. */
export function trackTemp(path: string): () => void {
  tracked.add(path);
  install();
  return () => {
    tracked.delete(path);
    if (tracked.size === 0) uninstall();
  };
}

/** A temporary name `${prefix}${pid}.${random}${suffix}`: the pid lets a later run tell whether its owner still runs. */
export function tempName(prefix: string, suffix = ''): string {
  return `${prefix}${process.pid}.${randomBytes(4).toString('hex')}${suffix}`;
}

/** Whether process `pid` is alive (EPERM: it is, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What follows the prefix in a name tempName made: `<pid>.<8 hex>` and an optional suffix. */
const TEMP_REST = /^(\d+)\.[0-9a-f]{8}(\.[A-Za-z0-9._-]+)?$/;

/**
 * Remove the entries of `dir` that tempName(prefix, ...) named for a process that is gone (a run
 * killed with SIGKILL), except those `keep` names. Returns the paths removed.
 */
export async function sweepStale(dir: string, prefix: string, keep: (name: string) => boolean = () => false): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(TEMP_REST.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid) || keep(name)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

/**
 * A fresh scratch directory `${tmpdir}/${prefix}<pid>.<hex>`, removed on SIGINT/SIGTERM; stale ones
 * of dead runs are swept first. Call `release()` (it removes the directory) when done.
 */
export async function makeTempDir(prefix: string): Promise<{ path: string; release: () => Promise<void> }> {
  await sweepStale(tmpdir(), prefix);
  const path = join(tmpdir(), tempName(prefix));
  const untrack = trackTemp(path);
  await mkdir(path, { recursive: true });
  return {
    path,
    release: async () => {
      await rm(path, { recursive: true, force: true });
      untrack();
    },
  };
}
