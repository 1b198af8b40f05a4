/**
 * Benchmark: one training step (forward, backward, AdamW with gradient clipping) of a
 * DistilBERT-base-shaped classifier (6 layers, dim 768, 12 heads, FFN 3072, vocab 30522, batch 8,
 * seq 128) exactly as `verde text` trains it — the same graph builder and session
 * (src/models/distilbert/train-session.ts: dropout on, [CLS]-only last block, AdamW weight decay
 * 0.01, clip 1.0, the fine-tuning learning rate of src/cases/text/defaults.ts, initial values copied
 * as fit.ts does) — and forward-only at batch 1 and 8 (the exported .onnx, as predict/serve run
 * it), against the same model in PyTorch (bench/train-step-torch.py, Debian /usr/bin/python3) with
 * the same thread count, optimiser and clipping. The PyTorch peer is one long-lived child driven
 * over stdin, and the two run in alternating rounds (verde, PyTorch, PyTorch, verde, ...), so a
 * load swing on a shared machine hits both. Prints min and median of each, the ratios, the median
 * of the per-round ratios and peak memory, and writes them to bench/out/train-step/results.json.
 *
 *   npx tsc -p . && node dist/bench/train-step.js [--threads 2] [--steps 5] [--warmup 2] [--fwd-reps 10] [--layers 6] [--no-torch]
 *
 * verde's DistilBERT computes only the [CLS] row in the last block (the head reads nothing else;
 * same logits, loss and gradients); the PyTorch peer, like Hugging Face Transformers, computes
 * every row.
 */
import { PYTHON, pythonPeerEnv } from './python-peer.js';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { writeJsonAtomic } from '../src/util/atomic.js';
import { Rng, createSession, ort, type HostTensor } from '../src/engine/index.js';
import { TEXT_DEFAULTS } from '../src/cases/text/defaults.js';
import { makeConfig } from '../src/models/distilbert/config.js';
import { initParams } from '../src/models/distilbert/params.js';
import { buildInferenceGraph } from '../src/models/distilbert/inference-graph.js';
import { CLIP_GRAD_NORM, openDistilBertTraining } from '../src/models/distilbert/train-session.js';

interface Args {
  threads: number;
  steps: number;
  warmup: number;
  fwdReps: number;
  layers: number;
  batch: number;
  seq: number;
  torch: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { threads: Math.min(2, availableParallelism()), steps: 5, warmup: 2, fwdReps: 10, layers: 6, batch: 8, seq: 128, torch: true, out: 'bench/out/train-step/results.json' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${k} needs a positive number`);
      return n;
    };
    if (k === '--threads') a.threads = v();
    else if (k === '--steps') a.steps = v();
    else if (k === '--warmup') a.warmup = v();
    else if (k === '--fwd-reps') a.fwdReps = v();
    else if (k === '--layers') a.layers = v();
    else if (k === '--batch') a.batch = v();
    else if (k === '--seq') a.seq = v();
    else if (k === '--no-torch') a.torch = false;
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown flag ${k} (see the header of bench/train-step.ts)`);
  }
  return a;
}

const VOCAB = 30522;
/** The learning rate `verde text --model` fine-tunes with. */
const LR = TEXT_DEFAULTS.lrFineTune;

function feeds(n: number, seq: number, rng: Rng): Record<string, HostTensor> {
  const ids = new BigInt64Array(n * seq);
  const mask = new BigInt64Array(n * seq);
  const labels = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = BigInt(rng.int(2));
    for (let j = 0; j < seq; j++) {
      ids[i * seq + j] = BigInt(rng.int(VOCAB));
      mask[i * seq + j] = j < seq - seq / 8 ? 1n : 0n; // same padding as the PyTorch peer
    }
  }
  const d = [n, seq];
  return {
    input_ids: { dtype: 'int64', dims: d, data: ids },
    attention_mask: { dtype: 'int64', dims: d, data: mask },
    labels: { dtype: 'int64', dims: [n], data: labels },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMb = () => process.resourceUsage().maxRSS / 1024;

/** The PyTorch peer: one child process answering one JSON line per command line. */
class TorchPeer {
  private pending: Array<(v: Record<string, unknown>) => void> = [];
  private stderr = '';
  private exited: string | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.pending.shift()?.(JSON.parse(line)));
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    child.on('exit', (code) => {
      this.exited = `PyTorch peer exited (${code}): ${this.stderr.split('\n').slice(-5).join(' ')}`;
      for (const p of this.pending.splice(0)) p({ error: this.exited });
    });
  }

  static async start(a: Args): Promise<{ peer: TorchPeer; info: Record<string, unknown> }> {
    console.error(`PyTorch peer: ${PYTHON} bench/train-step-torch.py ...`);
    const args = ['bench/train-step-torch.py', '--threads', String(a.threads), '--batch', String(a.batch), '--seq', String(a.seq), '--layers', String(a.layers), '--lr', String(LR), '--clip', String(CLIP_GRAD_NORM)];
    const peer = new TorchPeer(spawn(PYTHON, args, { env: pythonPeerEnv(a.threads) }));
    return { peer, info: await peer.next() };
  }

  private next(): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => this.pending.push((v) => (v.error ? reject(new Error(String(v.error))) : resolve(v))));
  }

  ask(cmd: string): Promise<Record<string, unknown>> {
    const reply = this.next();
    this.child.stdin.write(cmd + '\n');
    return reply;
  }
}

/** Time `verde` and `torch` (seconds each) in alternating order for `n` rounds. */
async function rounds(n: number, verde: () => Promise<number>, torch: (() => Promise<number>) | undefined, log?: (i: number, v: number, t?: number) => void): Promise<{ v: number[]; t: number[] }> {
  const v: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    if (torch && i % 2 === 1) t.push(await torch());
    v.push(await verde());
    if (torch && i % 2 === 0) t.push(await torch());
    log?.(i, v[i], t[i]);
  }
  return { v, t };
}

const secs = (t0: number) => (performance.now() - t0) / 1000;
const stats = (xs: number[]) => ({ min: Math.min(...xs), median: median(xs), all: xs });

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  // The model `verde text` builds, DistilBERT-base-shaped (makeConfig's defaults), two labels.
  const config = makeConfig(['neg', 'pos'], { layers: a.layers, vocabSize: VOCAB });
  const params = initParams(config, 0);
  const nParams = [...params.values()].reduce((s, p) => s + p.data.length, 0);
  console.error(`verde: ${nParams} parameters, ${a.layers} layers, batch ${a.batch} x seq ${a.seq}, ${a.threads} threads; CPU ${cpus()[0]?.model}`);
  const { session } = await openDistilBertTraining(config, params, { lr: LR, seed: 0, threads: a.threads });
  const peer = a.torch ? await TorchPeer.start(a) : undefined;
  const batch = feeds(a.batch, a.seq, new Rng(1));
  let lastLoss = 0;
  let torchLoss = 0;
  const verdeStep = async () => {
    const t0 = performance.now();
    lastLoss = (await session.trainStep(batch, { lr: LR })).loss;
    return secs(t0);
  };
  const torchStep = peer
    ? async () => {
        const r = await peer.peer.ask('train');
        torchLoss = r.loss as number;
        return r.s as number;
      }
    : undefined;
  const train = await rounds(a.warmup + a.steps, verdeStep, torchStep, (i, v, t) =>
    console.error(`  train round ${i + 1}: verde ${v.toFixed(3)} s loss ${lastLoss.toFixed(4)}` + (t !== undefined ? `, PyTorch ${t.toFixed(3)} s (${(v / t).toFixed(2)}x)` : '') + (i < a.warmup ? ' (warm-up)' : '')),
  );
  const trainRss = rssMb();

  await session.close();

  // forward: the exported standalone model, as `verde predict`/`serve` run it
  const infer = await createSession(buildInferenceGraph(config, params).bytes, { threads: a.threads });
  const fwd: Record<number, { v: number[]; t: number[] }> = {};
  for (const b of [1, 8]) {
    const f = feeds(b, a.seq, new Rng(2));
    const inputs: Record<string, ort.Tensor> = {};
    for (const name of infer.inputNames) inputs[name] = new ort.Tensor('int64', f[name].data as BigInt64Array, f[name].dims);
    const verdeFwd = async () => {
      const t0 = performance.now();
      await infer.run(inputs);
      return secs(t0);
    };
    const torchFwd = peer ? async () => (await peer.peer.ask(`fwd ${b}`)).s as number : undefined;
    const r = await rounds(2 + a.fwdReps, verdeFwd, torchFwd);
    fwd[b] = { v: r.v.slice(2), t: r.t.slice(2) };
  }
  await infer.release();
  const torchEnd = peer ? await peer.peer.ask('quit') : undefined;

  const steps = { v: train.v.slice(a.warmup), t: train.t.slice(a.warmup) };
  const side = (k: 'v' | 't') => ({
    train_step_s: stats(steps[k]),
    forward_b1_s: stats(fwd[1][k]),
    forward_b8_s: stats(fwd[8][k]),
  });
  const verde = { params: nParams, ...side('v'), last_loss: lastLoss, peak_rss_mb_after_training: trainRss, peak_rss_mb: rssMb() };
  const torch = peer ? { ...peer.info, ...side('t'), last_loss: torchLoss, peak_rss_mb: torchEnd!.peak_rss_mb as number } : undefined;
  const pairedRatio = (k: 'train_step_s' | 'forward_b1_s' | 'forward_b8_s') => median(verde[k].all.map((v, i) => v / torch![k].all[i]));

  const row = (name: string, k: 'train_step_s' | 'forward_b1_s' | 'forward_b8_s', target: number) => {
    const v = verde[k];
    const fmt = (s: { min: number; median: number }) => `${s.min.toFixed(3).padStart(7)} / ${s.median.toFixed(3).padStart(7)} s`;
    if (!torch) return `${name.padEnd(24)} verde ${fmt(v)}`;
    const t = torch[k];
    return `${name.padEnd(24)} verde ${fmt(v)}   PyTorch ${fmt(t)}   ratio min ${(v.min / t.min).toFixed(2)}x, median ${(v.median / t.median).toFixed(2)}x, per round ${pairedRatio(k).toFixed(2)}x (target <= ${target}x)`;
  };
  console.log(`DistilBERT-base-shaped classifier, ${a.layers} layers, seq ${a.seq}, ${a.threads} threads, verde's last block on the [CLS] row only, ${a.steps} alternating rounds (min / median; 1-min load average at the end ${loadavg()[0].toFixed(1)})`);
  console.log(row(`train step (batch ${a.batch})`, 'train_step_s', 0.5));
  console.log(row('forward batch 1', 'forward_b1_s', 0.8));
  console.log(row('forward batch 8', 'forward_b8_s', 0.8));
  console.log(`peak RSS                 verde ${verde.peak_rss_mb.toFixed(0)} MB (after training ${verde.peak_rss_mb_after_training.toFixed(0)} MB)` + (torch ? `   PyTorch ${torch.peak_rss_mb.toFixed(0)} MB   ratio ${(verde.peak_rss_mb / torch.peak_rss_mb).toFixed(2)}x (target <= 1.3x)` : ''));
  await writeJsonAtomic(a.out, { date: new Date().toISOString(), args: a, cpu: cpus()[0]?.model, load_average_1min: loadavg()[0], verde, torch });
}

main().catch((err) => {
  console.error(`bench/train-step: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
