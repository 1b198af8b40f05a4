/**
 * Benchmark: the path users run. Fine-tunes a DistilBERT-base-shaped checkpoint (random weights,
 * bert-base-uncased vocabulary; written once to bench/out/text-user-path/checkpoint/) with the real
 * CLI, `verde text --model DIR --classes transformer --batch-size 8 --max-length 128 --threads 2`,
 * on the embedded SpamAssassin mails, and times the steps from the CLI's own progress lines (plain
 * mode: stderr is a pipe, one line at most every 5 s, time-stamped here on arrival). The first
 * --skip steps (session start, first-touch allocations) are left out; after --skip + --steps steps
 * the CLI is stopped. Prints seconds per step, the CLI's peak RSS (VmHWM) and the 1-min load
 * average, and writes bench/out/text-user-path/results.json. Compare with bench/train-step's
 * `train step (batch 8)` on the same machine: the target is within 10 %.
 *
 *   npx tsc -p . && node dist/bench/text-user-path.js [--threads 2] [--steps 40] [--skip 4] [--layers 6]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { exists, writeJsonAtomic } from '../src/util/atomic.js';
import { writeSafetensors } from '../src/engine/safetensors.js';
import { makeConfig, toHfConfig } from '../src/models/distilbert/config.js';
import { initParams } from '../src/models/distilbert/params.js';
import { bertBaseUncasedTokenizer, saveTokenizer } from '../src/tokenizers/index.js';
import { CONFIG_FILE, SAFETENSORS_FILE } from '../src/registry/files.js';

interface Args {
  threads: number;
  steps: number;
  skip: number;
  layers: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { threads: 2, steps: 40, skip: 4, layers: 6, out: 'bench/out/text-user-path' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${k} needs a whole number`);
      return n;
    };
    if (k === '--threads') a.threads = v();
    else if (k === '--steps') a.steps = v();
    else if (k === '--skip') a.skip = v();
    else if (k === '--layers') a.layers = v();
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown flag ${k} (see the header of bench/text-user-path.ts)`);
  }
  return a;
}

/** A DistilBERT-base-shaped HF directory (config.json, model.safetensors, vocab), made once. */
async function checkpoint(dir: string, layers: number): Promise<string> {
  const marker = join(dir, `layers-${layers}`);
  if (await exists(marker)) return dir;
  const tokenizer = await bertBaseUncasedTokenizer(512);
  const config = makeConfig(['ham', 'spam'], { layers, vocabSize: tokenizer.vocabSize });
  const params = initParams(config, 0);
  await writeSafetensors(join(dir, SAFETENSORS_FILE), new Map([...params].map(([n, p]) => [n, { dtype: 'float32' as const, dims: p.dims, data: p.data }])));
  await writeJsonAtomic(join(dir, CONFIG_FILE), toHfConfig(config));
  await saveTokenizer(dir, tokenizer);
  await writeJsonAtomic(marker, { layers });
  return dir;
}

/** Peak resident memory of a live process, MB (Linux /proc). */
async function peakRssMb(pid: number): Promise<number | undefined> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const model = await checkpoint(join(a.out, 'checkpoint'), a.layers);
  const work = await mkdtemp(join(tmpdir(), 'verde-user-path-'));
  const need = a.skip + a.steps;
  // one epoch a few steps longer than the timed ones (--train-size is the training split)
  const trainSize = (need + 4) * 8;
  const args = ['dist/src/cli/main.js', 'text', '--model', model, '--classes', 'transformer', '--batch-size', '8', '--max-length', '128', '--threads', String(a.threads), '--epochs', '1', '--train-size', String(trainSize), '--test-size', '50', '--out', join(work, 'out'), '--store', join(work, 'runs.db')];
  console.error(`running: node ${args.join(' ')}`);
  const child = spawn(process.execPath, args, { env: { ...process.env, VERDE_QUIET: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const seen: { step: number; t: number }[] = [];
  let peak: number | undefined;
  let tail = '';
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => (seen.length && seen[seen.length - 1].step >= need ? resolve() : reject(new Error(`verde text exited (${code ?? signal}) before step ${need}: ${tail}`))));
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail = line;
    const m = /^fine-tune (\d+)\/(\d+)/.exec(line);
    if (!m) return;
    const step = Number(m[1]);
    seen.push({ step, t: performance.now() });
    console.error(`  ${line}`);
    if (step >= need) {
      void peakRssMb(child.pid!).then((p) => {
        peak = p;
        child.kill('SIGTERM');
      });
    }
  });
  try {
    await done;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const timed = seen.filter((s) => s.step >= a.skip);
  const first = timed[0];
  const last = timed[timed.length - 1];
  const perStep = (last.t - first.t) / 1000 / (last.step - first.step);
  const load = loadavg()[0];
  console.log(`verde text --model (DistilBERT-base-shaped, ${a.layers} layers, batch 8, 128 tokens, ${a.threads} threads): ${perStep.toFixed(3)} s per step over steps ${first.step}..${last.step}; peak RSS ${peak?.toFixed(0) ?? '?'} MB; 1-min load average ${load.toFixed(1)}`);
  await writeJsonAtomic(join(a.out, 'results.json'), { date: new Date().toISOString(), args: a, cpu: cpus()[0]?.model, load_average_1min: load, steps: [first.step, last.step], step_s: perStep, peak_rss_mb: peak, progress: seen });
}

main().catch((err) => {
  console.error(`bench/text-user-path: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
