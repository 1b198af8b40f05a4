/**
 * The fuzz supervisor: runs a target's inputs in a child process (child.ts) and survives what the
 * parser does to it. An input still running after `hangMs` is a hang: the child is killed and a
 * new one continues after it. A child that dies (native abort, out of memory, uncaught error) is a
 * crash at the index it was on. Peak RSS is the children's maximum.
 */
import { fork } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
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
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

function readCursor(path: string): number {
  try {
    return Number(readFileSync(path).readBigInt64LE(0));
  } catch {
    return -1;
  }
}

export async function runTarget(o: RunOptions): Promise<{ report: TargetReport; findings: Finding[] }> {
  const hangMs = o.hangMs ?? 5000;
  const safe = o.target.replace(/[^\w.-]/g, '_');
  const work = join(o.outDir, 'work');
  const crashDir = join(o.outDir, 'inputs');
  await mkdir(work, { recursive: true });
  await mkdir(crashDir, { recursive: true });
  const cursorFile = join(o.outDir, `${safe}.cursor`);
  const findings: Finding[] = [];
  const t0 = Date.now();
  const end = (o.from ?? 0) + o.inputs;
  let next = o.from ?? 0;
  let peakKb = 0;
  let truncated = false;
  while (next < end) {
    if (o.budgetS !== undefined && (Date.now() - t0) / 1000 > o.budgetS) {
      truncated = true;
      break;
    }
    const fd = openSync(cursorFile, 'w');
    writeSync(fd, Buffer.alloc(8).fill(0xff)); // -1: not started
    closeSync(fd);
    const from = next;
    const stopAt = end;
    const deadline = o.budgetS === undefined ? 0 : t0 + o.budgetS * 1000;
    const outcome = await new Promise<{ done: boolean; at: number; why?: Finding['kind']; detail?: string }>((resolveRun) => {
      const child = fork(CHILD, [o.target, String(o.seed), String(from), String(stopAt), work, cursorFile, crashDir, String(deadline)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=2048'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
      let last = -2;
      let lastChange = Date.now();
      let finished = false;
      let ready = false;
      let count = 0;
      const watch = setInterval(() => {
        try {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const hwm = /VmHWM:\s+(\d+)/.exec(status);
          if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
        } catch {
          /* exited */
        }
        const at = readCursor(cursorFile);
        if (at !== last) {
          last = at;
          lastChange = Date.now();
        } else if (ready && at >= 0 && Date.now() - lastChange > hangMs) {
          clearInterval(watch);
          finished = true;
          child.kill('SIGKILL');
          resolveRun({ done: false, at, why: 'hang', detail: `no progress for ${((Date.now() - lastChange) / 1000).toFixed(1)} s` });
        }
      }, 250);
      child.on('message', (m: ChildMessage) => {
        if (m.t === 'ready') ready = true;
        else if (m.t === 'crash') findings.push({ kind: 'crash', target: o.target, index: m.index, error: m.error, where: m.where, inputFile: m.inputFile, inputBytes: m.inputBytes });
        else if (m.t === 'done') {
          peakKb = Math.max(peakKb, m.maxRssKb);
          count = m.count;
        }
      });
      child.on('exit', (code, signal) => {
        clearInterval(watch);
        if (finished) return;
        finished = true;
        if (code === 0) resolveRun({ done: true, at: from + count });
        else resolveRun({ done: false, at: readCursor(cursorFile), why: 'death', detail: `exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}` });
      });
    });
    if (outcome.done) {
      next = outcome.at;
      if (next < end) truncated = true; // the child stopped at the deadline
      if (truncated) break;
      continue;
    }
    if (outcome.at < 0) throw new Error(`fuzz target ${o.target} failed before its first input: ${outcome.detail}`);
    findings.push({ kind: outcome.why!, target: o.target, index: outcome.at, error: outcome.detail ?? '', where: outcome.why === 'hang' ? 'timeout' : 'process' });
    next = outcome.at + 1;
  }
  return { findings, report: summarise(o.target, findings, next - (o.from ?? 0), peakKb, (Date.now() - t0) / 1000, truncated) };
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
