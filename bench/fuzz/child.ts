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

async function main(): Promise<void> {
  const [name, seedS, fromS, toS, workRoot, cursorFile, crashDir, deadlineS] = process.argv.slice(2);
  const deadline = Number(deadlineS ?? 0) || Infinity;
  const target = targetByName(name!);
  const seed = Number(seedS);
  const work = await makeWork(workRoot!, name!);
  const seeds = await target.setup(work);
  const cursor = openSync(cursorFile!, 'r+');
  const buf = Buffer.alloc(8);
  const send = (m: ChildMessage) => new Promise<void>((ok) => process.send!(m, () => ok()));
  await send({ t: 'ready' });
  let count = 0;
  for (let i = Number(fromS); i < Number(toS) && Date.now() < deadline; i++) {
    buf.writeBigInt64LE(BigInt(i));
    writeSync(cursor, buf, 0, 8, 0);
    const input = inputFor(target, seeds, seed, i);
    try {
      await target.run(input, work);
    } catch (err) {
      if ((err as Error)?.name !== 'UserError') {
        const inputFile = join(crashDir!, `${name!.replace(/[^\w.-]/g, '_')}-${i}.bin`);
        await writeFile(inputFile, input);
        await send({ t: 'crash', index: i, ...describeError(err), inputFile, inputBytes: input.length });
      }
    }
    count++;
  }
  await send({ t: 'done', maxRssKb: process.resourceUsage().maxRSS, count });
  process.disconnect();
}

// Run as a worker only when started by the supervisor (an IPC channel); importing this module is harmless.
if (process.send) {
  main().catch((err) => {
    process.stderr.write(`fuzz child: ${(err as Error).stack}\n`);
    process.exit(70);
  });
}
