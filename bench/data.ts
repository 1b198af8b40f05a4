/**
 * bench/data: `verde data profile` and `minimise` on the transaction generator's rows as Parquet
 * (rows/s per step, peak RSS), and MinHash/LSH near dedup of M short texts (texts/s, peak RSS). Each
 * phase runs in a child process of its own so that its peak RSS is its own.
 *
 * `--columns 20` widens the generator's 13 columns to the issue's 20 with 7 derived ones a user's
 * table might hold (hour, weekday, log amount, amount in cents — an exact copy in other units that
 * the correlation step should drop —, distance from home, a night flag, a merchant band).
 *
 *   npx tsc -p . && node dist/bench/data.js [--rows 200000] [--columns 13|20] [--texts 100000] [--dir /tmp/verde-bench-data]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}
const rows = Number(flag('rows', '200000'));
const nTexts = Number(flag('texts', '100000'));
const columns = Number(flag('columns', '13'));
if (columns !== 13 && columns !== 20) throw new Error(`--columns: ${columns} must be 13 or 20`);
const dir = flag('dir', '/tmp/verde-bench-data');
const phase = flag('phase', '');
const here = fileURLToPath(import.meta.url);
const peakMb = () => process.resourceUsage().maxRSS / 1024;

/** Short texts, a tenth of them near copies of an earlier one (two words replaced, or two swapped). */
function shortTexts(n: number): string[] {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const vocab = Array.from({ length: 20000 }, (_, i) => `w${i.toString(36)}`);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 10 && rnd() < 0.1) {
      const w = out[Math.floor(rnd() * i)]!.split(' ');
      const a = Math.floor(rnd() * w.length);
      if (rnd() < 0.5) w[a] = vocab[Math.floor(rnd() * vocab.length)]!;
      else [w[a], w[0]] = [w[0]!, w[a]!];
      out.push(w.join(' '));
    } else {
      out.push(Array.from({ length: 15 + Math.floor(rnd() * 25) }, () => vocab[Math.floor(rnd() * vocab.length)]!).join(' '));
    }
  }
  return out;
}

async function child(): Promise<void> {
  const file = join(dir, 'tx.parquet');
  if (phase === 'profile') {
    const { profileFile } = await import('../src/data/profile/index.js');
    const p = await profileFile(file, { labelCol: 'is_fraud' });
    console.log(JSON.stringify({ seconds: p.seconds, rows: p.rows, peakMb: peakMb() }));
  } else if (phase === 'minimise') {
    const { runMinimise, checkPlan } = await import('../src/data/minimise/index.js');
    const plan = checkPlan({ labelCol: 'is_fraud', steps: [
      { step: 'filter', where: "amount < 5 AND channel = 'pos'" }, { step: 'missing', maxShare: 0.9 }, { step: 'outliers', method: 'z', z: 6 },
      { step: 'variance' }, { step: 'correlation' }, { step: 'dedup' }, { step: 'nearDedup' }, { step: 'features', count: 8 },
      { step: 'rebalance', ratio: 20 }, { step: 'compact' },
    ] }, 'bench plan');
    const r = await runMinimise({ input: file, outDir: join(dir, 'minimised'), plan });
    console.log(JSON.stringify({ seconds: r.seconds, columns: { before: r.source.columns, after: r.final.columns }, steps: r.steps.map((s) => ({ step: s.step, rows: s.rows, columns: s.columns, seconds: s.seconds, bytes: s.bytes, energyJ: s.energyJ, method: s.energyMethod, dropped: s.droppedColumns })), peakMb: peakMb() }));
  } else if (phase === 'minhash') {
    const { minhashDedup } = await import('../src/data/minhash/index.js');
    const texts = shortTexts(nTexts);
    const t0 = performance.now();
    const r = minhashDedup(texts, { threshold: 0.8 });
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, kept: r.kept.length, candidates: r.candidates, peakMb: peakMb() }));
  }
}

/** The generator's 13 columns plus 7 derived ones: 20 columns, as zstd Parquet (DuckDB, spilling within 1 GB). */
async function widen(from: string, to: string): Promise<void> {
  const { openDuck } = await import('../src/data/profile/index.js');
  const { con, close } = await openDuck(':memory:', { memoryLimit: '1GB', tempDir: dir });
  try {
    await con.run(`COPY (SELECT *, hour(ts) AS hour, dayofweek(ts) AS weekday, ln(1 + amount) AS amount_log, CAST(round(amount * 100) AS BIGINT) AS amount_cents,
      111.0 * sqrt((lat - home_lat) ^ 2 + (lon - home_lon) ^ 2) AS km_from_home, CAST(hour(ts) < 6 AS INTEGER) AS is_night, 'band_' || (merchant_id % 10) AS merchant_band
      FROM read_parquet('${from}')) TO '${to}' (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    close();
  }
}

async function main(): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'tx.parquet');
  const { writeTransactions } = await import('../src/data/transactions/index.js');
  let t0 = performance.now();
  if (columns === 20) {
    const narrow = join(dir, 'tx13.parquet');
    await writeTransactions(narrow, { rows });
    await widen(narrow, file);
    await rm(narrow, { force: true });
  } else {
    await writeTransactions(file, { rows });
  }
  console.log(`generated ${rows} transactions (${((await stat(file)).size / 1e6).toFixed(1)} MB zstd Parquet, ${columns} columns) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const run = (p: string) => JSON.parse(execFileSync(process.execPath, [here, '--phase', p, '--rows', String(rows), '--texts', String(nTexts), '--columns', String(columns), '--dir', dir], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').at(-1)!);
  const prof = run('profile');
  console.log(`profile: ${prof.seconds.toFixed(2)} s, ${Math.round(rows / prof.seconds)} rows/s, peak RSS ${prof.peakMb.toFixed(0)} MB`);
  const min = run('minimise');
  console.log(`minimise: ${min.seconds.toFixed(2)} s in all (with the per-step Parquet size measurements), peak RSS ${min.peakMb.toFixed(0)} MB`);
  console.log(`  columns ${min.columns.before} -> ${min.columns.after}`);
  for (const s of min.steps) console.log(`  ${s.step.padEnd(12)} ${String(s.rows.before).padStart(9)} -> ${String(s.rows.after).padEnd(9)} ${s.seconds.toFixed(2).padStart(7)} s  ${String(Math.round(s.rows.before / Math.max(s.seconds, 1e-6))).padStart(10)} rows/s  ${s.energyJ.toFixed(1)} J (${s.method})${s.dropped.length ? `  dropped ${s.dropped.join(', ')}` : ''}`);
  t0 = performance.now();
  const mh = run('minhash');
  console.log(`minhash: ${nTexts} short texts (15-40 words, a tenth edited copies: one word replaced or two swapped, which on short texts is often below Jaccard 0.8) in ${mh.seconds.toFixed(2)} s, ${Math.round(nTexts / mh.seconds)} texts/s, ${nTexts - mh.kept} joined a cluster, ${mh.candidates} candidate pairs, peak RSS ${mh.peakMb.toFixed(0)} MB`);
  await rm(join(dir, 'minimised'), { recursive: true, force: true });
}

if (phase) await child();
else await main();
