/**
 * bench/data: `verde data profile` and `minimise` on the transaction generator's rows as Parquet
 * (rows/s per step, peak RSS), and MinHash/LSH near dedup of M short texts (texts/s, peak RSS). Each
 * phase runs in a child process of its own so that its peak RSS is its own.
 *
 *   npx tsc -p . && node dist/bench/data.js [--rows 200000] [--texts 100000] [--dir /tmp/verde-bench-data]
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
    console.log(JSON.stringify({ seconds: r.seconds, steps: r.steps.map((s) => ({ step: s.step, rows: s.rows, seconds: s.seconds, bytes: s.bytes, energyJ: s.energyJ, method: s.energyMethod })), peakMb: peakMb() }));
  } else if (phase === 'minhash') {
    const { minhashDedup } = await import('../src/data/minhash/index.js');
    const texts = shortTexts(nTexts);
    const t0 = performance.now();
    const r = minhashDedup(texts, { threshold: 0.8 });
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, kept: r.kept.length, candidates: r.candidates, peakMb: peakMb() }));
  }
}

async function main(): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'tx.parquet');
  const { writeTransactions } = await import('../src/data/transactions/index.js');
  let t0 = performance.now();
  await writeTransactions(file, { rows });
  console.log(`generated ${rows} transactions (${((await stat(file)).size / 1e6).toFixed(1)} MB zstd Parquet, 13 columns) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const run = (p: string) => JSON.parse(execFileSync(process.execPath, [here, '--phase', p, '--rows', String(rows), '--texts', String(nTexts), '--dir', dir], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').at(-1)!);
  const prof = run('profile');
  console.log(`profile: ${prof.seconds.toFixed(2)} s, ${Math.round(rows / prof.seconds)} rows/s, peak RSS ${prof.peakMb.toFixed(0)} MB`);
  const min = run('minimise');
  console.log(`minimise: ${min.seconds.toFixed(2)} s in all (with the per-step Parquet size measurements), peak RSS ${min.peakMb.toFixed(0)} MB`);
  for (const s of min.steps) console.log(`  ${s.step.padEnd(12)} ${String(s.rows.before).padStart(9)} -> ${String(s.rows.after).padEnd(9)} ${s.seconds.toFixed(2).padStart(7)} s  ${String(Math.round(s.rows.before / Math.max(s.seconds, 1e-6))).padStart(10)} rows/s  ${s.energyJ.toFixed(1)} J (${s.method})`);
  t0 = performance.now();
  const mh = run('minhash');
  console.log(`minhash: ${nTexts} short texts (15-40 words, a tenth edited copies: one word replaced or two swapped, which on short texts is often below Jaccard 0.8) in ${mh.seconds.toFixed(2)} s, ${Math.round(nTexts / mh.seconds)} texts/s, ${nTexts - mh.kept} joined a cluster, ${mh.candidates} candidate pairs, peak RSS ${mh.peakMb.toFixed(0)} MB`);
  await rm(join(dir, 'minimised'), { recursive: true, force: true });
}

if (phase) await child();
else await main();
