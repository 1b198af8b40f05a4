/**
 * What is tracked in process scope: this Node process (measure(), Tracker without pid), or a
 * spawned command's process tree (`verde measure`). Both give cumulative CPU seconds and the
 * resident memory held now.
 */
import { processTree, readStat, selfReapedChildrenCpuS, treeCpuS, treeRssBytes, type ProcStat } from '../sources/proc.js';
import { selfRssBytes } from '../sources/ram.js';
import { existsSync } from 'node:fs';

export interface TrackedTarget {
  readonly description: string;
  /** Cumulative CPU seconds (user + system), from an arbitrary origin. */
  cpuSeconds(): number;
  /** Resident memory held now, bytes. */
  rssBytes(): number;
  /** The cpuSeconds() value that counts as "nothing used yet", when known (a freshly spawned tree: 0). */
  readonly baselineCpuS?: number;
}

/**
 * This process: process.cpuUsage() (all threads, worker threads included) plus, on Linux, the CPU
 * time of children it has already waited for (e.g. a peer benchmark run with spawnSync).
 */
export function selfTarget(procRoot = '/proc'): TrackedTarget {
  const linux = existsSync(`${procRoot}/self/stat`);
  return {
    description: linux ? 'this process (all threads) and the children it waited for' : 'this process (all threads)',
    cpuSeconds() {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6 + (linux ? selfReapedChildrenCpuS(procRoot) : 0);
    },
    rssBytes: selfRssBytes,
  };
}

/** How often the whole of /proc is scanned for new descendants of a tracked command. */
export const FULL_SCAN_MS = 10_000;

/**
 * A spawned command and its descendants: live members from /proc/<pid>/stat, plus the children
 * this process reaped (the command itself once it exits, with everything it had waited for).
 * Scanning all of /proc costs milliseconds, so it is done at most every FULL_SCAN_MS; in between
 * only the known members are read. A descendant born since the last scan is missed by live
 * readings until the next scan, but never by the final figure: once reaped, its CPU time reaches
 * this process's cutime through its parent.
 */
export function treeTarget(pid: number, procRoot = '/proc', reapedBaseS?: number): TrackedTarget {
  const reapedBase = reapedBaseS ?? selfReapedChildrenCpuS(procRoot);
  let known: number[] = [pid];
  let lastFullScan = -Infinity;
  let cached: { at: number; tree: ProcStat[] } | undefined;
  const tree = (): ProcStat[] => {
    const now = Date.now();
    if (cached && now - cached.at <= 20) return cached.tree;
    let members: ProcStat[];
    if (now - lastFullScan >= FULL_SCAN_MS) {
      members = processTree(procRoot, pid);
      lastFullScan = now;
    } else {
      members = [];
      for (const p of known) {
        const st = readStat(procRoot, p);
        if (st) members.push(st);
      }
    }
    known = members.map((m) => m.pid);
    cached = { at: now, tree: members };
    return members;
  };
  return {
    description: `process tree of pid ${pid}`,
    baselineCpuS: reapedBaseS !== undefined ? 0 : undefined,
    cpuSeconds() {
      // Reaping happens on the event loop, never between these two synchronous reads.
      cached = undefined;
      return treeCpuS(tree()) + (selfReapedChildrenCpuS(procRoot) - reapedBase);
    },
    rssBytes() {
      return treeRssBytes(procRoot, tree());
    },
  };
}
