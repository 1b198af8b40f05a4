/**
 * A `verde serve` child process on a free port of 127.0.0.1, as bench-serve runs one per scenario (so
 * each server's meter sees only its own work) and the HTTP fuzz target runs one to attack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Start `verde serve` with `args` on a free port; resolves with its URL once it listens. */
export function startServeProcess(args: string[]): Promise<{ url: string; child: ChildProcess; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolveStart({ url: m[1]!, child, stop: async () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then((code) => reject(new UserError(`bench-serve: verde serve ${args.join(' ')} exited (${code}): ${err.trim().split('\n').pop()}`)));
  });
}
