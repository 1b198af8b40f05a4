/**
 * Replay one fuzz input: `node dist/bench/fuzz/replay.js TARGET INDEX [SEED] [--save FILE]`. Input
 * INDEX of TARGET is regenerated from the seed (default 1, the campaign's) and run in this process,
 * printing how long it took and what it threw (or saving the bytes with --save).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputFor } from './mutate.js';
import { makeWork, targetByName } from './targets.js';
import { describeError, isOneLineUserError } from './child.js';

export async function fuzzInput(name: string, index: number, seed: number, work: string): Promise<Uint8Array> {
  const target = targetByName(name);
  return inputFor(target, await target.setup(work), seed, index);
}

async function main(): Promise<void> {
  const [name, indexS, seedS] = process.argv.slice(2);
  const save = process.argv.indexOf('--save');
  const work = await makeWork(await mkdtemp(join(tmpdir(), 'verde-fuzz-replay-')), name!);
  const input = await fuzzInput(name!, Number(indexS), seedS && !seedS.startsWith('--') ? Number(seedS) : 1, work);
  if (save > 0) await writeFile(process.argv[save + 1]!, input);
  const t0 = Date.now();
  try {
    await targetByName(name!).run(input, work);
    process.stdout.write(`ok (${input.length} bytes, ${Date.now() - t0} ms)\n`);
  } catch (err) {
    const d = describeError(err);
    process.stdout.write(`${isOneLineUserError(err) ? 'user error' : 'CRASH'} (${input.length} bytes, ${Date.now() - t0} ms): ${d.error} @ ${d.where}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 70;
});
