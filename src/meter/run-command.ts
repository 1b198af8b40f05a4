/**
 * Run a command as a real child process and measure its process tree (what `verde measure` does).
 * Everything that can be checked before the command runs is checked first — the command exists,
 * the output directory can be written, an existing emissions.csv is well formed — so bad input
 * leaves no files behind. SIGINT/SIGTERM are forwarded to the child and the outputs still written.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { Tracker } from './tracker.js';
import type { MeterOptions } from './options.js';
import type { EnergyReport } from './types.js';
import { checkEmissionsCsv } from './outputs/codecarbon-csv.js';
import { selfReapedChildrenCpuS } from './sources/proc.js';
import { runFiles, writeRunOutputs, type RunFiles } from './outputs/write-run.js';

export interface CommandRun {
  report: EnergyReport;
  files: RunFiles;
  /** The child's exit code, or 128 + signal number when a signal ended it (shell convention). */
  exitCode: number;
  signal?: NodeJS.Signals;
}

/** 'exec': a file we may execute; 'present': something is there that we may not (or a directory); 'none': nothing. */
function probe(p: string): 'exec' | 'present' | 'none' {
  try {
    if (!statSync(p).isFile()) return 'present';
  } catch {
    return 'none';
  }
  try {
    accessSync(p, constants.X_OK);
    return 'exec';
  } catch {
    return 'present';
  }
}

/**
 * Resolve a command like the shell does (PATH search): its path, or why not — 'not-found' (the
 * shell's exit 127) or 'not-executable' (a file or directory that cannot be run, the shell's 126).
 */
export function locateCommand(command: string, env: NodeJS.ProcessEnv = process.env): { path: string } | { error: 'not-found' | 'not-executable'; path?: string } {
  if (command.includes('/')) {
    const p = resolve(command);
    const found = probe(p);
    return found === 'exec' ? { path: p } : { error: found === 'present' ? 'not-executable' : 'not-found', path: p };
  }
  let blocked: string | undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, command);
    const found = probe(p);
    if (found === 'exec') return { path: p };
    if (found === 'present') blocked ??= p;
  }
  return blocked ? { error: 'not-executable', path: blocked } : { error: 'not-found' };
}

/** Resolve a command like the shell does (PATH search); undefined when not found or not executable. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const r = locateCommand(command, env);
  return 'error' in r ? undefined : r.path;
}

/** The directory (existing or to be created) must be writable: checked without creating anything. */
export function checkWritableDir(dir: string, flag = '--out'): void {
  let probe = resolve(dir);
  for (;;) {
    try {
      const st = statSync(probe);
      if (!st.isDirectory()) throw new UserError(`${flag} ${dir}: ${probe} is not a directory`);
      accessSync(probe, constants.W_OK | constants.X_OK);
      return;
    } catch (err) {
      if (err instanceof UserError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(probe) !== probe) {
        probe = dirname(probe);
        continue;
      }
      throw new UserError(`${flag} ${dir}: not writable (${code === 'EACCES' || code === 'EPERM' ? `permission denied on ${probe}` : code})`);
    }
  }
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

export async function measureCommand(
  argv: string[],
  opts: MeterOptions & { outDir: string },
): Promise<CommandRun> {
  if (argv.length === 0) throw new UserError('measure: no command given (usage: verde measure [options] -- <command ...>)');
  const env = opts.env ?? process.env;
  const located = locateCommand(argv[0], env);
  if ('error' in located) {
    if (located.error === 'not-executable') throw new UserError(`measure: ${argv[0]}: not executable (${located.path} is not a program you may run)`, 126);
    throw new UserError(`measure: command not found: ${argv[0]}`, 127);
  }
  const exe = located.path;
  const outDir = isAbsolute(opts.outDir) ? opts.outDir : resolve(opts.outDir);
  checkWritableDir(opts.outDir);
  await checkEmissionsCsv(runFiles(outDir, 'x').emissionsCsv);
  // Validate every meter option (country, numbers) before the command starts.
  new Tracker({ ...opts, liveCarbon: false, onNotice: () => {} });

  const childCpuBaseS = selfReapedChildrenCpuS();
  const child = spawn(exe, argv.slice(1), { stdio: 'inherit', env, argv0: argv[0] });
  const spawned = new Promise<void>((ok, bad) => {
    child.once('spawn', ok);
    child.once('error', bad);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => {
    child.once('exit', (code, signal) => ok({ code, signal }));
  });
  try {
    await spawned;
  } catch (err) {
    throw new UserError(`measure: cannot run ${argv[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 127);
  }
  const tracker = new Tracker({ ...opts, pid: child.pid, childCpuBaseS });
  const forward = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  const onInt = () => forward('SIGINT');
  const onTerm = () => forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    await tracker.start();
    const { code, signal } = await exited;
    const report = await tracker.stop();
    await import('node:fs/promises').then((fs) => fs.mkdir(outDir, { recursive: true }));
    const files = await writeRunOutputs(outDir, report);
    const exitCode = code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 1);
    return { report, files, exitCode, signal: signal ?? undefined };
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    if (tracker.running) await tracker.stop();
  }
}
