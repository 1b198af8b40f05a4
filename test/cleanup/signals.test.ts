/**
 * Issue 12 item 4: Ctrl-C (SIGINT) or SIGTERM in the middle of `verde text` or `verde fraud`
 * leaves no temporary file or directory behind, and after a SIGKILL (which nothing can catch) the
 * next run removes the temporaries whose owning process is gone. Real CLI child processes, real
 * signals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processAlive, sweepStale, tempName } from '../../src/util/cleanup.js';
import { fixturePath } from '../fixtures/paths.js';
import { reviewsCsv } from '../fixtures/reviews.js';

const CLI = resolve(fixturePath('..', '..', 'dist', 'src', 'cli', 'main.js'));

/** Children still running when a test fails are killed (no orphan keeps writing after the test). */
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((c) => c.kill('SIGKILL')));

function start(args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  return { child, exited, stderr: () => err };
}

/** Poll until `find` returns something (or fail after `ms`). */
async function waitFor<T>(what: string, find: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await find();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const entries = async (dir: string, prefix: string) => (await readdir(dir)).filter((n) => n.startsWith(prefix)).map((n) => join(dir, n));


for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`verde text: ${signal} during evaluation removes the .<out>.<pid>.*.tmp directory`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'verde-sig-text-'));
    try {
      const csv = join(root, 'r.csv');
      await writeFile(csv, reviewsCsv(80));
      const run = start(['text', '--classes', 'transformer', '--data', csv, '--layers', '1', '--dim', '16', '--heads', '2', '--hidden-dim', '32', '--max-length', '32',
        '--train-size', '40', '--test-size', '20', '--epochs', '1', '--recovery-epochs', '0', '--out', join(root, 't_int_eval')]);
      const prefix = `.t_int_eval.${run.child.pid}.`;
      // the variants are written under models/ before they are evaluated, each in a child process
      const tmp = await waitFor('the temporary output directory with models/', async () => {
        const [t] = await entries(root, prefix);
        return t && existsSync(join(t, 'models', 'base')) ? t : undefined;
      });
      assert.match(tmp, /\.t_int_eval\.\d+\.[0-9a-f]{8}\.tmp$/);
      run.child.kill(signal);
      const { signal: died } = await run.exited;
      assert.equal(died, signal, `the process dies of the signal, as a shell expects (stderr: ${run.stderr()})`);
      assert.deepEqual(await entries(root, '.t_int_eval'), [], 'no temporary left beside --out');
      assert.equal(existsSync(join(root, 't_int_eval')), false, '--out not written');
    } finally {
      running.forEach((c) => c.kill('SIGKILL'));
      await rm(root, { recursive: true, force: true });
    }
  });
}

test('verde fraud: SIGTERM removes .<out>.*.tmp and /tmp/verde-fraud-data-*; after SIGKILL the next run sweeps them', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-sig-fraud-'));
  const out = join(root, 'f_int');
  const args = ['fraud', '--rows', '10000', '--out', out, '--seed', '7'];
  const temps = async (pid: number) => [...(await entries(root, `.f_int.${pid}.`)), ...(await entries(tmpdir(), `verde-fraud-data-${pid}.`))];
  const bothTemps = (pid: number) => waitFor('both temporaries', async () => ((await temps(pid)).length === 2 ? temps(pid) : undefined));
  try {
    const first = start(args);
    assert.equal((await bothTemps(first.child.pid!)).length, 2);
    first.child.kill('SIGTERM');
    assert.equal((await first.exited).signal, 'SIGTERM', first.stderr());
    assert.deepEqual(await temps(first.child.pid!), [], 'SIGTERM: nothing left');

    const killed = start(args);
    const left = await bothTemps(killed.child.pid!);
    killed.child.kill('SIGKILL');
    await killed.exited;
    assert.deepEqual(await temps(killed.child.pid!), left, 'SIGKILL cannot be caught: the temporaries stay');

    const next = start(args);
    await bothTemps(next.child.pid!); // its own, created after its sweep
    assert.deepEqual(await temps(killed.child.pid!), [], 'the next run removed the dead run\'s temporaries');
    next.child.kill('SIGINT');
    assert.equal((await next.exited).signal, 'SIGINT', next.stderr());
    assert.deepEqual(await temps(next.child.pid!), []);
  } finally {
    running.forEach((c) => c.kill('SIGKILL'));
    await rm(root, { recursive: true, force: true });
  }
});

test('sweepStale removes only names of the expected shape whose process is gone', async () => {
  const root = await mkdtemp(join(tmpdir(), 'verde-sweep-'));
  try {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    assert.equal(processAlive(dead.pid!), false);
    const names = [`.out.${dead.pid}.0badc0de.tmp`, `.out.${dead.pid}.0badc0de.tmp.old`, `.out.${process.pid}.12345678.tmp`, `.out.${dead.pid}.txt`, `.out.${dead.pid}.notahex!.tmp`, 'out'];
    for (const n of names) await mkdir(join(root, n));
    const removed = await sweepStale(root, '.out.');
    assert.deepEqual(removed.sort(), [join(root, names[0]!), join(root, names[1]!)].sort());
    assert.match(tempName('.x.', '.tmp'), new RegExp(`^\\.x\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
