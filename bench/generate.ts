/**
 * bench/generate: how long the transaction generator takes to stream N rows to disk (issue #5 asks
 * for any size from 10k to 10M), the file sizes as CSV and as zstd Parquet, and peak memory — which
 * stays flat because the generator writes a day at a time.
 *
 *   npx tsc -p . && node dist/bench/generate.js [--rows 10000000] [--seed 42] [--out bench/out/generate]
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { writeTransactions } from '../src/data/transactions/index.js';
import { writeJsonAtomic } from '../src/util/atomic.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name}: expected a whole number (got "${process.argv[i + 1]}")`);
  return v;
}
const outArg = process.argv.indexOf('--out');
const out = outArg >= 0 ? process.argv[outArg + 1]! : join('bench', 'out', 'generate');

async function main(): Promise<void> {
  const rows = arg('rows', 10_000_000);
  const seed = arg('seed', 42);
  await mkdir(out, { recursive: true });
  const results: Record<string, unknown>[] = [];
  for (const format of ['csv', 'parquet'] as const) {
    const path = join(out, `transactions-${rows}.${format}`);
    const t0 = performance.now();
    const r = await writeTransactions(path, { rows, seed }, { format, progressLabel: `generate ${format}` });
    const s = (performance.now() - t0) / 1000;
    const line = { format, rows: r.stats.rows, fraudRows: r.stats.fraudRows, seconds: s, rowsPerSecond: r.stats.rows / s, bytes: r.bytes, peakRssMb: process.resourceUsage().maxRSS / 1024 };
    results.push(line);
    console.log(`${format.padEnd(7)} ${r.stats.rows} rows (${r.stats.fraudRows} fraud) in ${s.toFixed(1)} s = ${(r.stats.rows / s / 1000).toFixed(0)}k rows/s; ${(r.bytes / 1e6).toFixed(1)} MB; peak RSS so far ${line.peakRssMb.toFixed(0)} MB`);
    await rm(path, { force: true });
  }
  console.log(`1-min load average at the end ${loadavg()[0]!.toFixed(1)}`);
  await writeJsonAtomic(join(out, 'results.json'), { rows, seed, results });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
