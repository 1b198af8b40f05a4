/**
 * bench/score: batch scoring of generated transactions by a fraud GBDT, on this machine and through
 * the BullMQ queue on a real redis-server, all with the built CLI as child processes:
 *   local   `verde score --threads 1`
 *   queue 1 `verde score --queue` + 1 `verde worker --threads 1`
 *   queue 2 `verde score --queue` + 2 `verde worker --threads 1`
 * Prints rows/s, J per 1,000 rows (with the energy method), the queue's overhead against local
 * scoring (1 worker), the 2-vs-1-worker speed-up and each process's peak RSS (VmHWM polled from
 * /proc). Workers are started and ready before the producer is timed (their start-up is not counted).
 *
 *   node dist/bench/score/main.js [--rows 200000] [--shard-rows N (default rows/8)] [--train-rows 50000] [--trees 50]
 *
 * The GBDT is trained with verde's own trainer on a separate generated sample (raw transaction
 * columns minus identifiers and timestamps), written as a verde model directory like verde fraud's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTransactions, LABEL_COLUMN } from '../../src/data/transactions/index.js';
import { readTabular } from '../../src/data/tabular/index.js';
import { trainGbdt, writeGbdtModelDir } from '../../src/models/gbdt/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Proc {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
  peakRssMiB: () => number;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let peakKiB = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(spawnSync('cat', [`/proc/${child.pid}/status`], { encoding: 'utf8' }).stdout);
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch { /* exited */ }
  }, 200);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => { clearInterval(poll); r(code); }));
  return { child, log: () => out, exited, peakRssMiB: () => peakKiB / 1024 };
}

async function until(ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Figures {
  name: string;
  seconds: number;
  rowsPerS: number;
  jPer1000: number;
  method: string;
  peakRssMiB: number[];
}

async function report(out: string, name: string, seconds: number, rows: number, rss: number[]): Promise<Figures> {
  const r = JSON.parse(await readFile(join(out, 'score-report.json'), 'utf8')) as { energyJ: number; method: string };
  return { name, seconds, rowsPerS: rows / seconds, jPer1000: (1000 * r.energyJ) / rows, method: r.method, peakRssMiB: rss };
}

async function main(): Promise<void> {
  const rows = arg('--rows', 200_000);
  const shardRows = arg('--shard-rows', Math.ceil(rows / 8));
  const trainRows = arg('--train-rows', 50_000);
  const trees = arg('--trees', 50);
  const dir = await mkdtemp(join(tmpdir(), 'verde-bench-score-'));
  const redisPort = 20000 + Math.floor(Math.random() * 20000);
  let redis: ChildProcess | undefined;
  try {
    process.stderr.write(`bench/score: generating ${rows} transactions and ${trainRows} training rows...\n`);
    const data = join(dir, 'tx.parquet');
    await writeTransactions(data, { rows, seed: 1 }, { format: 'parquet' });
    const trainCsv = join(dir, 'train.csv');
    await writeTransactions(trainCsv, { rows: trainRows, seed: 2 }, { format: 'csv' });
    const ds = await readTabular(trainCsv, { labelCol: LABEL_COLUMN, exclude: ['tx_id', 'ts', 'card_id', 'device_id', 'merchant_id'] });
    const model = join(dir, 'gbdt');
    await writeGbdtModelDir(model, await trainGbdt(ds, { nTrees: trees, earlyStoppingRounds: 0 }), { name: 'fraud-gbdt-bench' });
    process.stderr.write(`bench/score: GBDT of ${trees} trees on ${ds.features.map((f) => f.name).join(', ')}\n`);
    const common = ['--model', model, '--data', data, '--shard-rows', String(shardRows), '--store', join(dir, 'runs.db')];
    const figures: Figures[] = [];

    // Local, one inference thread.
    let t0 = performance.now();
    const local = start(['score', ...common, '--out', join(dir, 'local'), '--threads', '1']);
    if ((await local.exited) !== 0) throw new Error(`local score failed:\n${local.log()}`);
    figures.push(await report(join(dir, 'local'), 'local, 1 thread', (performance.now() - t0) / 1000, rows, [local.peakRssMiB()]));

    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    const url = `redis://127.0.0.1:${redisPort}`;
    for (const n of [1, 2]) {
      const workers = Array.from({ length: n }, () => start(['worker', '--queue', url, '--threads', '1']));
      await until(() => workers.every((w) => /waiting for shards/.test(w.log())));
      const out = join(dir, `queue-${n}`);
      t0 = performance.now();
      const producer = start(['score', ...common, '--out', out, '--queue', url]);
      if ((await producer.exited) !== 0) throw new Error(`queue score failed:\n${producer.log()}`);
      const seconds = (performance.now() - t0) / 1000;
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      figures.push(await report(out, `queue, ${n} worker${n > 1 ? 's' : ''} x 1 thread`, seconds, rows, workers.map((w) => w.peakRssMiB())));
    }

    console.log(`\nbench/score: ${rows} generated transactions (Parquet), shards of ${shardRows} rows, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
    for (const f of figures) {
      console.log(`  ${f.name.padEnd(28)} ${f.seconds.toFixed(1).padStart(6)} s  ${Math.round(f.rowsPerS).toString().padStart(8)} rows/s  ${f.jPer1000.toFixed(3)} J/1000 rows (${f.method})  peak RSS ${f.peakRssMiB.map((m) => `${m.toFixed(0)} MiB`).join(', ')}`);
    }
    const [l, q1, q2] = figures as [Figures, Figures, Figures];
    console.log(`  queue overhead, 1 worker vs local: ${(100 * (q1.seconds / l.seconds - 1)).toFixed(1)} % wall time`);
    console.log(`  2 workers vs 1: ${(q1.seconds / q2.seconds).toFixed(2)}x faster`);
    console.log('  (times include DuckDB reading and Parquet writing; the producer is timed from its start to its exit)');
  } finally {
    redis?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
