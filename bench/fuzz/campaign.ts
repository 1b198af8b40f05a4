/**
 * The fuzz supervisor: runs a target's inputs in long-lived child processes (child.ts, many inputs
 * each, one DuckDB database for the table readers) and survives what the parser does to them. An
 * input still running after `hangMs` is a hang: the child is killed and a new one continues after
 * it. A child that dies (native abort, out of memory, uncaught error) or passes the RSS limit is a
 * death at the index it was on. Either way that input is then run alone in a fresh child to
 * confirm it. `jobs` children can split a target's inputs. Peak RSS is the children's maximum.
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './child.js';

export interface Finding {
  kind: 'crash' | 'hang' | 'death';
  target: string;
  index: number;
  error: string;
  where: string;
  inputFile?: string;
  inputBytes?: number;
  /** Allowlisted as a known crash class another branch is fixing (see allowlist.ts). */
  knownAs?: string;
  /** Hangs and deaths: the input, run again alone in a fresh child, hung or died the same way. */
  confirmed?: boolean;
}

export interface TargetReport {
  target: string;
  inputs: number;
  crashes: number;
  hangs: number;
  deaths: number;
  /** Crashes grouped by error and place, with the first index of each. */
  classes: { error: string; where: string; count: number; firstIndex: number; knownAs?: string }[];
  peakRssMb: number;
  seconds: number;
  /** Stopped at the time budget before all inputs ran. */
  truncated: boolean;
  /** First input index (inputs from..from+inputs-1 ran); absent: 0. */
  from?: number;
}

export interface RunOptions {
  target: string;
  seed: number;
  inputs: number;
  /** First input index (to continue or replay a range). */
  from?: number;
  hangMs?: number;
  /** Stop starting new inputs after this many seconds (the report says so). */
  budgetS?: number;
  /** Scratch and crash inputs go here. */
  outDir: string;
  /** Children run side by side, each on its own contiguous slice of the inputs (default 1). */
  jobs?: number;
  /** A child whose resident memory passes this is killed: a death of the input it was on (default 3072). */
  rssLimitMb?: number;
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

function readCursor(path: string): number {
  try {
    return Number(readFileSync(path).readBigInt64LE(0));
  } catch {
    return -1;
  }
}

interface ChildOutcome {
  /** Ran to `to` (or to the deadline) without dying. */
  done: boolean;
  /** done: the next index to run; otherwise the index the child was on when it hung or died (-1: before the first input). */
  at: number;
  why?: 'hang' | 'death';
  detail?: string;
}

interface Slice {
  target: string;
  seed: number;
  hangMs: number;
  rssLimitKb: number;
  /** Epoch ms after which children start no new input (0: none). */
  deadline: number;
  work: string;
  crashDir: string;
  cursorFile: string;
  findings: Finding[];
  peakKb: number;
}

/**
 * One supervised child over inputs [from, to): it reports crashes (thrown errors that are not a
 * one-line UserError) as it goes; the child's cursor file says which input it is on, so when it
 * dies, passes the RSS limit or makes no progress for hangMs, that input is the one to blame.
 */
function runChild(s: Slice, from: number, to: number): Promise<ChildOutcome> {
  writeFileSync(s.cursorFile, Buffer.alloc(8).fill(0xff)); // -1: not started
  return new Promise<ChildOutcome>((resolveRun) => {
    const child = fork(CHILD, [s.target, String(s.seed), String(from), String(to), s.work, s.cursorFile, s.crashDir, String(s.deadline)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=2048'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    let last = -2;
    let lastChange = Date.now();
    let finished = false;
    let ready = false;
    let count = 0;
    const stop = (outcome: ChildOutcome) => {
      clearInterval(watch);
      finished = true;
      child.kill('SIGKILL');
      resolveRun(outcome);
    };
    const watch = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+)/.exec(status);
        if (hwm) s.peakKb = Math.max(s.peakKb, Number(hwm[1]));
        const rss = /VmRSS:\s+(\d+)/.exec(status);
        if (rss && Number(rss[1]) > s.rssLimitKb) return stop({ done: false, at: readCursor(s.cursorFile), why: 'death', detail: `resident memory ${Math.round(Number(rss[1]) / 1024)} MB over the ${Math.round(s.rssLimitKb / 1024)} MB limit` });
      } catch {
        /* exited */
      }
      const at = readCursor(s.cursorFile);
      if (at !== last) {
        last = at;
        lastChange = Date.now();
      } else if (ready && at >= 0 && Date.now() - lastChange > s.hangMs) {
        stop({ done: false, at, why: 'hang', detail: `no progress for ${((Date.now() - lastChange) / 1000).toFixed(1)} s` });
      }
    }, 100);
    child.on('message', (m: ChildMessage) => {
      if (m.t === 'ready') {
        ready = true;
        lastChange = Date.now(); // the hang clock starts with the inputs, not with setup
      } else if (m.t === 'crash') s.findings.push({ kind: 'crash', target: s.target, index: m.index, error: m.error, where: m.where, inputFile: m.inputFile, inputBytes: m.inputBytes });
      else if (m.t === 'done') {
        s.peakKb = Math.max(s.peakKb, m.maxRssKb);
        count = m.count;
      }
    });
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      if (finished) return;
      finished = true;
      if (code === 0) resolveRun({ done: true, at: from + count });
      else resolveRun({ done: false, at: readCursor(s.cursorFile), why: 'death', detail: `exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}` });
    });
  });
}

/**
 * Inputs [from, end) through children: after a hang or death at input i a fresh child goes on at
 * i + 1, and input i is run again alone in another fresh child to confirm it is the culprit (the
 * finding says whether it did it again). Returns the next index not run.
 */
async function runSlice(s: Slice, from: number, end: number): Promise<{ next: number; truncated: boolean }> {
  let next = from;
  while (next < end) {
    if (s.deadline && Date.now() > s.deadline) return { next, truncated: true };
    const outcome = await runChild(s, next, end);
    if (outcome.done) {
      if (outcome.at < end) return { next: outcome.at, truncated: true }; // the child stopped at the deadline
      return { next: outcome.at, truncated: false };
    }
    if (outcome.at < 0) throw new Error(`fuzz target ${s.target} failed before its first input: ${outcome.detail}`);
    const alone = await runChild({ ...s, findings: [], deadline: 0 }, outcome.at, outcome.at + 1);
    s.findings.push({
      kind: outcome.why!,
      target: s.target,
      index: outcome.at,
      error: outcome.detail ?? '',
      where: outcome.why === 'hang' ? 'timeout' : 'process',
      confirmed: !alone.done && alone.at === outcome.at && alone.why === outcome.why,
    });
    next = outcome.at + 1;
  }
  return { next, truncated: false };
}

export async function runTarget(o: RunOptions): Promise<{ report: TargetReport; findings: Finding[] }> {
  const safe = o.target.replace(/[^\w.-]/g, '_');
  const crashDir = join(o.outDir, 'inputs');
  await mkdir(crashDir, { recursive: true });
  const t0 = Date.now();
  const from = o.from ?? 0;
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, o.inputs));
  const slices: Slice[] = [];
  const ranges: [number, number][] = [];
  for (let j = 0; j < jobs; j++) {
    const work = join(o.outDir, 'work', jobs > 1 ? `job${j}` : '');
    await mkdir(work, { recursive: true });
    slices.push({
      target: o.target,
      seed: o.seed,
      hangMs: o.hangMs ?? 5000,
      rssLimitKb: (o.rssLimitMb ?? 3072) * 1024,
      deadline: o.budgetS === undefined ? 0 : t0 + o.budgetS * 1000,
      work,
      crashDir,
      cursorFile: join(o.outDir, `${safe}${jobs > 1 ? `.${j}` : ''}.cursor`),
      findings: [],
      peakKb: 0,
    });
    ranges.push([from + Math.floor((o.inputs * j) / jobs), from + Math.floor((o.inputs * (j + 1)) / jobs)]);
  }
  const ends = await Promise.all(slices.map((s, j) => runSlice(s, ranges[j]![0], ranges[j]![1])));
  const ran = ends.reduce((n, e, j) => n + e.next - ranges[j]![0], 0);
  const findings = slices.flatMap((s) => s.findings).sort((a, b) => a.index - b.index);
  const peakKb = Math.max(...slices.map((s) => s.peakKb));
  const report = summarise(o.target, findings, ran, peakKb, (Date.now() - t0) / 1000, ends.some((e) => e.truncated));
  if (from) report.from = from;
  return { findings, report };
}

/** A target's report: counts, and crashes grouped by kind, message (digits ignored) and place. */
export function summarise(target: string, findings: Finding[], inputs: number, peakKb: number, seconds: number, truncated: boolean): TargetReport {
  const classes = new Map<string, TargetReport['classes'][number]>();
  for (const f of findings) {
    const key = `${f.kind}|${f.error.replace(/\d+/g, 'N').slice(0, 120)}|${f.where.replace(/:\d+$/, '')}`;
    const c = classes.get(key);
    if (c) c.count++;
    else classes.set(key, { error: `${f.kind}: ${f.error}`, where: f.where, count: 1, firstIndex: f.index });
  }
  const count = (k: Finding['kind']) => findings.filter((f) => f.kind === k).length;
  return { target, inputs, crashes: count('crash'), hangs: count('hang'), deaths: count('death'), classes: [...classes.values()].sort((a, b) => b.count - a.count), peakRssMb: Math.round(peakKb / 1024), seconds, truncated };
}
