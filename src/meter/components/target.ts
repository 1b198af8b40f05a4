/**
 * What is tracked in process scope: this Node process (measure(), Tracker without pid), or a
 * spawned command's process tree (`verde measure`). Both give cumulative CPU seconds and the
 * resident memory held now, of the process and its live descendants.
 *
 * Live descendants are read every time (their /proc/<pid>/stat utime+stime+cutime+cstime), not
 * only once reaped: a meter that apportions a device counter by CPU time (RAPL) must see a child's
 * work in the intervals it happened. Were it seen only at the reap, all of a long child's CPU time
 * would land in one interval, where the share is capped at 1, and most of its energy would be lost.
 */
import { descendantPids, processTree, readStat, selfReapedChildrenCpuS, treeCpuS, treeRssBytes, type ProcStat } from '../sources/proc.js';
import { selfRssBytes } from '../sources/ram.js';
import { existsSync } from 'node:fs';

export interface TrackedTarget {
  readonly description: string;
  /** Cumulative CPU seconds (user + system), from an arbitrary origin; never decreases. */
  cpuSeconds(): number;
  /** Resident memory held now, bytes. */
  rssBytes(): number;
  /** The cpuSeconds() value that counts as "nothing used yet", when known (a freshly spawned tree: 0). */
  readonly baselineCpuS?: number;
}

/** How often the whole of /proc is scanned for new descendants where the kernel has no children files. */
export const FULL_SCAN_MS = 10_000;

/**
 * How long a list of descendants is reused before it is walked again (their stats are read every
 * time): the tracker's sampling interval, at least 50 ms. A walk reads every thread's children file
 * (0.4-0.9 ms on the project VM at load 9-18), so a server reading its energy at every batch walks
 * at most once per interval. A child born since the last walk is found at the next one; the CPU time
 * it used meanwhile then lands in that one interval.
 */
const MIN_REFRESH_MS = 50;

/**
 * The live members of the tree under `rootPid` (the root itself included when `withRoot`):
 * /proc/<pid>/task/<tid>/children where the kernel has them, else a full /proc scan at most every
 * FULL_SCAN_MS and the known members in between.
 */
function treeMembers(procRoot: string, rootPid: number, withRoot: boolean, refreshMs: number): () => ProcStat[] {
  const ttl = Math.max(MIN_REFRESH_MS, refreshMs);
  let known: number[] = withRoot ? [rootPid] : [];
  let knownAt = -Infinity;
  let lastFullScan = -Infinity;
  let childrenFiles = true;
  return () => {
    const now = Date.now();
    if (now - knownAt > ttl) {
      const live = childrenFiles ? descendantPids(procRoot, rootPid) : undefined;
      if (live) {
        known = withRoot ? [rootPid, ...live] : live;
      } else if (childrenFiles && !existsSync(`${procRoot}/${rootPid}`)) {
        known = []; // the root is gone
      } else {
        childrenFiles = false;
        if (now - lastFullScan >= FULL_SCAN_MS) {
          const all = processTree(procRoot, rootPid).map((m) => m.pid);
          known = withRoot ? all : all.filter((p) => p !== rootPid);
          lastFullScan = now;
        }
      }
      knownAt = now;
    }
    const members: ProcStat[] = [];
    for (const p of known) {
      const st = readStat(procRoot, p);
      if (st) members.push(st);
    }
    return members;
  };
}

/** A cumulative reading made monotonic: a child reaped between two reads must not make it dip. */
function monotonic(read: () => number): () => number {
  let last = -Infinity;
  return () => (last = Math.max(last, read()));
}

/**
 * This process: process.cpuUsage() (all threads, worker threads included) plus, on Linux, its
 * live descendants and the CPU time of the children it has already waited for (e.g. a peer
 * benchmark run with spawnSync, a variant evaluated in a forked child).
 */
export function selfTarget(procRoot = '/proc', refreshMs = MIN_REFRESH_MS): TrackedTarget {
  const linux = existsSync(`${procRoot}/self/stat`);
  const children = treeMembers(procRoot, process.pid, false, refreshMs);
  return {
    description: linux ? 'this process (all threads), its live descendants and the children it waited for' : 'this process (all threads)',
    cpuSeconds: monotonic(() => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6 + (linux ? selfReapedChildrenCpuS(procRoot) + treeCpuS(children()) : 0);
    }),
    rssBytes: () => selfRssBytes() + (linux ? treeRssBytes(procRoot, children()) : 0),
  };
}

/**
 * A spawned command and its descendants: live members from /proc/<pid>/stat, plus the children
 * this process reaped (the command itself once it exits, with everything it had waited for).
 * A descendant that lives and dies between two readings is never missed by the final figure: once
 * reaped, its CPU time reaches this process's cutime through its parent.
 */
export function treeTarget(pid: number, procRoot = '/proc', reapedBaseS?: number, refreshMs = MIN_REFRESH_MS): TrackedTarget {
  const reapedBase = reapedBaseS ?? selfReapedChildrenCpuS(procRoot);
  const members = treeMembers(procRoot, pid, true, refreshMs);
  return {
    description: `process tree of pid ${pid}`,
    baselineCpuS: reapedBaseS !== undefined ? 0 : undefined,
    cpuSeconds: monotonic(() => treeCpuS(members()) + (selfReapedChildrenCpuS(procRoot) - reapedBase)),
    rssBytes: () => treeRssBytes(procRoot, members()),
  };
}
