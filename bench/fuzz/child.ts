/**
 * One fuzz worker process: `node child.js TARGET SEED FROM TO WORK CURSOR_FILE CRASH_DIR [DEADLINE_MS]`. Feeds inputs
 * FROM..TO-1 of TARGET to its parser; before each input it writes the index to CURSOR_FILE (a
 * synchronous positional write, readable by the supervisor even if this process then hangs or
 * dies in native code), and sends each crash and its peak RSS to the supervisor over IPC. It
 * starts no input after DEADLINE_MS (epoch milliseconds), so a campaign's time budget holds.
 */
import { openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputFor } from './mutate.js';
import { makeWork, targetByName } from './targets.js';
import { ensureSharedMemoryDuckDB, shareMemoryDuckDB } from '../../src/util/duckdb-memory.js';

export interface CrashMessage {
  t: 'crash';
  index: number;
  error: string;
  /** First stack frame inside verde's source (file:line), for grouping. */
  where: string;
  inputFile: string;
  inputBytes: number;
}
export type ChildMessage = CrashMessage | { t: 'ready' } | { t: 'done'; maxRssKb: number; count: number };

/** The first line of an error and the first frame in src/ (or the first frame at all). */
export function describeError(err: unknown): { error: string; where: string } {
  const e = err as Error;
  const error = `${e?.name ?? typeof err}: ${String(e?.message ?? err).split('\n')[0]!.slice(0, 300)}`;
  const frames = String(e?.stack ?? '').split('\n').slice(1).map((l) => l.trim());
  const frame = frames.find((l) => l.includes('/src/')) ?? frames[0] ?? '';
  const m = /(src\/[^):]+:\d+)|([^/(\s]+\.[cm]?js:\d+)/.exec(frame);
  return { error, where: m ? m[0] : frame.slice(0, 120) };
}

/**
 * Test-only fault injection (test/fuzz/batch.test.ts proves the supervisor pinpoints the input a
 * child dies, hangs or crashes on): VERDE_FUZZ_TEST_FAULTS="death@5,hang@9,crash@13" makes input 5
 * abort the process, input 9 spin forever and input 13 throw a TypeError. Never set by the campaign.
 */
function testFault(index: number): void {
  const spec = process.env.VERDE_FUZZ_TEST_FAULTS;
  if (!spec) return;
  for (const part of spec.split(',')) {
    const [kind, at] = part.split('@');
    if (Number(at) !== index) continue;
    if (kind === 'death') process.abort();
    if (kind === 'hang') for (;;);
    if (kind === 'crash') throw new TypeError(`injected crash at input ${index}`);
  }
}

/** A correct rejection: a UserError whose message is one line (what the CLI prints as `verde: <message>`). */
export function isOneLineUserError(err: unknown): boolean {
  return (err as Error)?.name === 'UserError' && !/[\r\n]/.test(String((err as Error).message));
}

async function main(): Promise<void> {
  const [name, seedS, fromS, toS, workRoot, cursorFile, crashDir, deadlineS] = process.argv.slice(2);
  const deadline = Number(deadlineS ?? 0) || Infinity;
  const target = targetByName(name!);
  const seed = Number(seedS);
  const work = await makeWork(workRoot!, name!);
  const seeds = await target.setup(work);
  // Table readers: one DuckDB database for every input this child reads (see src/util/duckdb-memory.ts).
  if (target.usesDuckDB) await shareMemoryDuckDB(1);
  const cursor = openSync(cursorFile!, 'r+');
  const buf = Buffer.alloc(8);
  const send = (m: ChildMessage) => new Promise<void>((ok) => process.send!(m, () => ok()));
  await send({ t: 'ready' });
  let count = 0;
  for (let i = Number(fromS); i < Number(toS) && Date.now() < deadline; i++) {
    buf.writeBigInt64LE(BigInt(i));
    writeSync(cursor, buf, 0, 8, 0);
    const input = inputFor(target, seeds, seed, i);
    let crash: { error: string; where: string } | undefined;
    try {
      testFault(i);
      await target.run(input, work);
    } catch (err) {
      if (!isOneLineUserError(err)) crash = describeError(err);
      if (target.usesDuckDB && !(await ensureSharedMemoryDuckDB())) {
        // The read left the shared database unusable (a DuckDB fatal error): a crash of this input;
        // the database was replaced, so the inputs after it are read as they would be on their own.
        crash ??= { error: `DuckDB database invalidated: ${describeError(err).error}`, where: 'duckdb' };
      }
    }
    if (crash) {
      const inputFile = join(crashDir!, `${name!.replace(/[^\w.-]/g, '_')}-${i}.bin`);
      await writeFile(inputFile, input);
      await send({ t: 'crash', index: i, ...crash, inputFile, inputBytes: input.length });
    }
    count++;
  }
  await send({ t: 'done', maxRssKb: process.resourceUsage().maxRSS, count });
  process.disconnect();
}

// Run as a worker only when started by the supervisor (an IPC channel); importing this module is harmless.
if (process.send) {
  // A supervisor that is gone (killed, Ctrl-C) takes its children with it.
  process.once('disconnect', () => process.exit(0));
  main().catch((err) => {
    process.stderr.write(`fuzz child: ${(err as Error).stack}\n`);
    process.exit(70);
  });
}
