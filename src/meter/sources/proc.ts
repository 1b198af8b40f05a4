/**
 * CPU time and resident memory from Linux procfs, for the process-scope model.
 *
 * - A spawned command's process tree: /proc/<pid>/stat of the command and every live descendant
 *   (utime+stime, plus cutime+cstime: the children each of them already waited for).
 * - Children the tracker itself waited for (the command, once it has exited): the tracker's own
 *   cutime+cstime in /proc/self/stat, which the kernel adds when a child is reaped — so the final
 *   figure includes every descendant that was waited for, even short-lived ones between samples.
 * - Machine load: the first line of /proc/stat (all CPUs), or os.cpus() elsewhere.
 *
 * Times in /proc are in clock ticks of USER_HZ, which is 100 on every Linux architecture's user ABI.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

export const USER_HZ = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, seconds. */
  ownCpuS: number;
  /** cutime + cstime (waited-for children), seconds. */
  childrenCpuS: number;
}

/** Parse /proc/<pid>/stat. The command name may contain spaces and ')' so split after the last ')'. */
export function parseStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); fields 14..17 are utime, stime, cutime, cstime.
  const field = (n: number) => Number(rest[n - 3]);
  return {
    pid,
    ppid: field(4),
    ownCpuS: (field(14) + field(15)) / USER_HZ,
    childrenCpuS: (field(16) + field(17)) / USER_HZ,
  };
}

export function readStat(procRoot: string, pid: number | 'self'): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** CPU seconds of the children this process has waited for (cutime + cstime of /proc/self). */
export function selfReapedChildrenCpuS(procRoot = '/proc'): number {
  return readStat(procRoot, 'self')?.childrenCpuS ?? 0;
}

/** The live processes in the tree rooted at `rootPid` (itself included), by one scan of /proc. */
export function processTree(procRoot: string, rootPid: number): ProcStat[] {
  const all: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return [];
  }
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid directory
    const st = readStat(procRoot, Number(name));
    if (st) all.push(st);
  }
  const byParent = new Map<number, ProcStat[]>();
  for (const st of all) {
    const list = byParent.get(st.ppid);
    if (list) list.push(st);
    else byParent.set(st.ppid, [st]);
  }
  const root = all.find((s) => s.pid === rootPid);
  if (!root) return [];
  const tree: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const st = queue.pop()!;
    tree.push(st);
    for (const child of byParent.get(st.pid) ?? []) queue.push(child);
  }
  return tree;
}

/**
 * The live descendants of `rootPid` (not itself), through /proc/<pid>/task/<tid>/children (every
 * thread's children, so a child forked from a worker thread is found too): a few small reads, no
 * scan of /proc. Undefined where the kernel has no children files (CONFIG_PROC_CHILDREN off): the
 * caller then falls back to processTree().
 */
export function descendantPids(procRoot: string, rootPid: number): number[] | undefined {
  const out: number[] = [];
  const queue = [rootPid];
  let sawChildrenFile = false;
  while (queue.length > 0) {
    const pid = queue.pop()!;
    let tids: string[];
    try {
      tids = readdirSync(`${procRoot}/${pid}/task`);
    } catch {
      continue; // exited
    }
    for (const tid of tids) {
      let text: string;
      try {
        text = readFileSync(`${procRoot}/${pid}/task/${tid}/children`, 'utf8');
        sawChildrenFile = true;
      } catch {
        continue;
      }
      for (const c of text.split(' ')) {
        const child = Number(c);
        if (c.length > 0 && Number.isInteger(child)) {
          out.push(child);
          queue.push(child);
        }
      }
    }
  }
  return sawChildrenFile || out.length > 0 ? out : undefined;
}

/** CPU seconds used so far by the live tree (including children its members already reaped). */
export function treeCpuS(tree: ProcStat[]): number {
  let s = 0;
  for (const st of tree) s += st.ownCpuS + st.childrenCpuS;
  return s;
}

/** Resident set size in bytes of a process (VmRSS in /proc/<pid>/status), 0 if it is gone. */
export function processRssBytes(procRoot: string, pid: number): number {
  try {
    const text = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function treeRssBytes(procRoot: string, tree: ProcStat[]): number {
  let b = 0;
  for (const st of tree) b += processRssBytes(procRoot, st.pid);
  return b;
}

export interface MachineCpuTimes {
  /** Busy CPU seconds summed over all CPUs. */
  busyS: number;
  /** Busy + idle CPU seconds summed over all CPUs. */
  totalS: number;
}

/** Cumulative machine CPU times: /proc/stat on Linux, os.cpus() elsewhere. */
export function machineCpuTimes(procRoot = '/proc'): MachineCpuTimes {
  try {
    const line = readFileSync(`${procRoot}/stat`, 'utf8').split('\n', 1)[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = f[3] + f[4];
    const total = f.reduce((a, b) => a + b, 0);
    return { busyS: (total - idle) / USER_HZ, totalS: total / USER_HZ };
  } catch {
    let busy = 0;
    let total = 0;
    for (const c of cpus()) {
      const t = c.times;
      busy += t.user + t.nice + t.sys + t.irq;
      total += t.user + t.nice + t.sys + t.irq + t.idle;
    }
    return { busyS: busy / 1000, totalS: total / 1000 };
  }
}

/** Load in [0, 1] between two readings of machineCpuTimes. */
export function loadBetween(a: MachineCpuTimes, b: MachineCpuTimes): number {
  const dt = b.totalS - a.totalS;
  if (dt <= 0) return 0;
  return Math.min(1, Math.max(0, (b.busyS - a.busyS) / dt));
}
