/**
 * bench/batch-cost: what one text costs ONNX Runtime at each batch size, for a verde text model —
 * the part of a request that dynamic batching can shrink (the rest is HTTP, JSON, tokenising and
 * the hand-over to the inference worker). Same token ids for every row, no padding, 1 thread.
 *
 *   npx tsc -p . && node dist/bench/batch-cost.js [MODEL_DIR] [--tokens 30] [--batches 1,8,32] [--threads 1]
 * (MODEL_DIR defaults to verde-out/text/models/base, written by `npx verde text`)
 */
import { join } from 'node:path';
import { createSession, ort } from '../src/engine/index.js';

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}
const positional = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const dir = positional ?? join('verde-out', 'text', 'models', 'base');
const tokens = Number(flag('tokens', '30'));
const batches = flag('batches', '1,8,32').split(',').map(Number);
const threads = Number(flag('threads', '1'));
if (!(tokens > 0) || batches.some((b) => !(b > 0)) || !(threads > 0)) throw new Error('--tokens, --batches and --threads take positive whole numbers');

async function main(): Promise<void> {
  const session = await createSession(join(dir, 'model.onnx'), { threads }); // the runtime boundary verde's own sessions go through
  console.log(`${dir}/model.onnx, ${tokens}-token texts, ${threads} thread(s); median of 7 timings of 40 calls each`);
  for (const b of batches) {
    const ids = new ort.Tensor('int64', BigInt64Array.from({ length: b * tokens }, (_, i) => BigInt(1000 + ((i * 7919) % 20000))), [b, tokens]);
    const mask = new ort.Tensor('int64', new BigInt64Array(b * tokens).fill(1n), [b, tokens]);
    const feeds = { input_ids: ids, attention_mask: mask };
    for (let i = 0; i < 20; i++) await session.run(feeds); // warm-up
    const perCall: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 40; i++) await session.run(feeds);
      perCall.push((performance.now() - t0) / 40);
    }
    const ms = perCall.sort((x, y) => x - y)[3]!;
    console.log(`batch ${String(b).padStart(3)}: ${(ms * 1000).toFixed(0).padStart(6)} us per call, ${((ms * 1000) / b).toFixed(0).padStart(4)} us per text`);
  }
  await session.release();
}

main().catch((err) => {
  console.error(`bench/batch-cost: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
