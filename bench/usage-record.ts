/**
 * Cost of the usage statistics on `verde serve`'s hot path (src/serve/usage.ts): nanoseconds per
 * UsageStats.record() call, for one-row and 32-row tabular requests and one-row text requests (token
 * counts with the tiny model's real WordPiece tokenizer), over N requests each; the reservoir fills
 * in the first 1,000 rows and then keeps k/n of them, so the mean falls as N grows. Minimum of
 * several repetitions (other jobs on a shared machine only add time).
 *
 *   npx tsc -p . && node dist/bench/usage-record.js [--requests 200000] [--reps 5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyTextModel } from '../src/bench-serve/tiny-models.js';
import { loadTokenizer } from '../src/tokenizers/index.js';
import type { ParsedInstance } from '../src/serve/instances.js';
import { UsageStats } from '../src/serve/usage.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const REQUESTS = arg('requests', 200_000);
const REPS = arg('reps', 5);

function tabularRequests(rowsPer: number): Array<{ parsed: ParsedInstance[]; labels: string[] }> {
  // 1,024 distinct requests reused round-robin (building them is not what is measured).
  return Array.from({ length: 1024 }, (_, r) => ({
    parsed: Array.from({ length: rowsPer }, (_, i) => ({ input: { kind: 'tabular' as const, features: new Float32Array([r * 3 + i, (r + i) % 24, i % 3]) } })),
    labels: Array.from({ length: rowsPer }, (_, i) => ((r + i) % 7 === 0 ? 'fraud' : 'legit')),
  }));
}

function nsPerRequest(make: () => UsageStats, reqs: Array<{ parsed: ParsedInstance[]; labels: string[] }>): number {
  let best = Infinity;
  for (let rep = 0; rep < REPS; rep++) {
    const u = make();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) {
      const q = reqs[i & 1023]!;
      u.record(q.parsed, q.labels);
    }
    const ns = Number(process.hrtime.bigint() - t0) / REQUESTS;
    if (u.rows <= 0) throw new Error('nothing recorded');
    best = Math.min(best, ns);
  }
  return best;
}

const tabular = () => new UsageStats({ name: 'fraud', version: 1, modelDir: '/x', task: 'tabular-classification', featureNames: ['amount', 'hour', 'channel'] });
const dir = await mkdtemp(join(tmpdir(), 'verde-usage-bench-'));
try {
  await writeTinyTextModel(join(dir, 'text'), { name: 'text' });
  const tok = await loadTokenizer(join(dir, 'text'));
  const words = ['free', 'cash', 'prize', 'meeting', 'tomorrow', 'thanks', 'the', 'report', 'click', 'now'];
  const texts = Array.from({ length: 1024 }, (_, r) => ({
    parsed: [{ input: { kind: 'text' as const, text: Array.from({ length: 4 + (r % 20) }, (_, i) => words[(r + i) % words.length]).join(' ') } }],
    labels: [r % 2 ? 'spam' : 'ham'],
  }));
  const text = () => new UsageStats({ name: 'text', version: 1, modelDir: '/x', task: 'text-classification', tokenCount: (t) => tok.encode(t).length });
  console.log(`usage statistics: ns per request over ${REQUESTS.toLocaleString('en')} requests (min of ${REPS})`);
  console.log(`  tabular, 1 row:   ${nsPerRequest(tabular, tabularRequests(1)).toFixed(0)} ns`);
  console.log(`  tabular, 32 rows: ${nsPerRequest(tabular, tabularRequests(32)).toFixed(0)} ns`);
  console.log(`  text, 1 row:      ${nsPerRequest(text, texts).toFixed(0)} ns (token count only for the rows the sample keeps)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
