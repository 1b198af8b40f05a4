/**
 * Benchmark: one training step (forward, backward, AdamW) of a DistilBERT-base-shaped encoder
 * classifier (6 layers, dim 768, 12 heads, FFN 3072, vocab 30522, batch 8, seq 128) in verde's
 * engine, and forward-only at batch 1 and 8 (the exported .onnx, as predict/serve run it),
 * against the same model in PyTorch (bench/train-step-torch.py, Debian /usr/bin/python3) run by
 * this script with the same thread count. Prints medians, ratios verde/PyTorch and peak memory,
 * and writes them to bench/train-step.results.json.
 *
 *   npx tsc -p . && node dist/bench/train-step.js [--threads 2] [--steps 5] [--fwd-reps 10] [--layers 6] [--no-torch]
 *
 * The machine may be shared: run it when idle, and read the spread (min..max) as well as the median.
 */
import { PYTHON, pythonPeerEnv } from './python-peer.js';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/util/atomic.js';
import {
  Graph,
  Rng,
  TrainingSession,
  classificationHead,
  clsPool,
  createSession,
  distilBertEmbeddings,
  op,
  ort,
  transformerEncoder,
  type HostTensor,
} from '../src/engine/index.js';

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
  const a: Args = { threads: Math.min(2, availableParallelism()), steps: 5, warmup: 2, fwdReps: 10, layers: 6, batch: 8, seq: 128, torch: true, out: 'bench/train-step.results.json' };
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
const DIM = 768;

function feeds(n: number, seq: number, rng: Rng): Record<string, HostTensor> {
  const ids = new BigInt64Array(n * seq);
  const pos = new BigInt64Array(n * seq);
  const mask = new BigInt64Array(n * seq);
  const labels = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = BigInt(rng.int(2));
    for (let j = 0; j < seq; j++) {
      ids[i * seq + j] = BigInt(rng.int(VOCAB));
      pos[i * seq + j] = BigInt(j);
      mask[i * seq + j] = j < seq - seq / 8 ? 1n : 0n; // same padding as the PyTorch peer
    }
  }
  const d = [n, seq];
  return {
    input_ids: { dtype: 'int64', dims: d, data: ids },
    position_ids: { dtype: 'int64', dims: d, data: pos },
    attention_mask: { dtype: 'int64', dims: d, data: mask },
    labels: { dtype: 'int64', dims: [n], data: labels },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMb = () => process.resourceUsage().maxRSS / 1024;

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const rng = new Rng(0);
  const g = new Graph('distilbert-bench', { seed: 0 });
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const positions = g.input('position_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const labels = g.input('labels', 'int64', ['batch']);
  const cfg = { dim: DIM, heads: 12, hiddenDim: 3072, layers: a.layers, dropout: 0.1, attentionDropout: 0.1 };
  const emb = distilBertEmbeddings(g, { vocabSize: VOCAB, maxPositions: 512, dim: DIM, dropout: 0.1 }, rng);
  const enc = transformerEncoder(g, cfg, rng);
  const head = classificationHead(g, DIM, 2, rng);
  const logits = head(clsPool(enc(emb(ids, positions), mask), cfg));
  const loss = op.crossEntropy(logits, labels);
  const nParams = g.params.reduce((s, p) => s + p.init.length, 0);

  console.error(`verde: ${nParams} parameters, ${a.layers} layers, batch ${a.batch} x seq ${a.seq}, ${a.threads} threads; CPU ${cpus()[0]?.model}`);
  const session = await TrainingSession.create(g, { loss, optimizer: { type: 'adamw', lr: 5e-5, weightDecay: 0.01 } }, { threads: a.threads });
  const batch = feeds(a.batch, a.seq, new Rng(1));
  const train: number[] = [];
  let lastLoss = 0;
  for (let i = 0; i < a.warmup + a.steps; i++) {
    const t0 = performance.now();
    const r = await session.trainStep(batch);
    const dt = (performance.now() - t0) / 1000;
    lastLoss = r.loss;
    if (i >= a.warmup) train.push(dt);
    console.error(`  train step ${i + 1}: ${dt.toFixed(3)} s (ORT ${(r.ms / 1000).toFixed(3)} s) loss ${r.loss.toFixed(4)}${i < a.warmup ? ' (warm-up)' : ''}`);
  }
  const trainRss = rssMb();

  // forward: the exported standalone model, as `verde predict`/`serve` run it
  const dir = await mkdtemp(join(tmpdir(), 'verde-bench-'));
  const path = join(dir, 'model.onnx');
  await session.exportOnnx(path, { logits });
  await session.close();
  const infer = await createSession(path, { threads: a.threads });
  const fwd: Record<number, number[]> = {};
  for (const b of [1, 8]) {
    const f = feeds(b, a.seq, new Rng(2));
    const inputs: Record<string, ort.Tensor> = {};
    for (const name of infer.inputNames) inputs[name] = new ort.Tensor('int64', f[name].data as BigInt64Array, f[name].dims);
    fwd[b] = [];
    for (let i = 0; i < 2 + a.fwdReps; i++) {
      const t0 = performance.now();
      await infer.run(inputs);
      if (i >= 2) fwd[b].push((performance.now() - t0) / 1000);
    }
  }
  await infer.release();
  await rm(dir, { recursive: true, force: true });
  const verde = {
    params: nParams,
    train_step_s: median(train),
    train_steps: train,
    forward_b1_s: median(fwd[1]),
    forward_b8_s: median(fwd[8]),
    last_loss: lastLoss,
    peak_rss_mb_after_training: trainRss,
    peak_rss_mb: rssMb(),
  };

  let torch: Record<string, number | number[] | string> | undefined;
  if (a.torch) {
    console.error(`PyTorch peer: ${PYTHON} bench/train-step-torch.py ...`);
    const res = spawnSync(
      PYTHON,
      ['bench/train-step-torch.py', '--threads', String(a.threads), '--steps', String(a.steps), '--warmup', String(a.warmup), '--fwd-reps', String(a.fwdReps), '--batch', String(a.batch), '--seq', String(a.seq), '--layers', String(a.layers)],
      { encoding: 'utf8', env: pythonPeerEnv(a.threads), maxBuffer: 1 << 20 },
    );
    if (res.status !== 0) throw new Error(`PyTorch peer failed (${res.status}): ${res.stderr.split('\n').slice(-5).join(' ')}`);
    torch = JSON.parse(res.stdout.trim().split('\n').at(-1)!);
  }

  const row = (name: string, v: number, t?: number, target?: number) =>
    `${name.padEnd(26)} verde ${v.toFixed(3).padStart(8)} s` + (t !== undefined ? `   PyTorch ${t.toFixed(3).padStart(8)} s   ratio ${(v / t).toFixed(2)}x${target ? ` (target <= ${target}x)` : ''}` : '');
  console.log(`DistilBERT-base-shaped classifier, ${a.layers} layers, seq ${a.seq}, ${a.threads} threads (medians; 1-min load average at the end ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
  console.log(row(`train step (batch ${a.batch})`, verde.train_step_s, torch?.train_step_s as number, 0.9));
  console.log(row('forward batch 1', verde.forward_b1_s, torch?.forward_b1_s as number, 0.8));
  console.log(row('forward batch 8', verde.forward_b8_s, torch?.forward_b8_s as number, 0.8));
  console.log(`peak RSS                   verde ${verde.peak_rss_mb.toFixed(0)} MB (after training ${verde.peak_rss_mb_after_training.toFixed(0)} MB)` + (torch ? `   PyTorch ${(torch.peak_rss_mb as number).toFixed(0)} MB` : ''));
  await writeJsonAtomic(a.out, { date: new Date().toISOString(), args: a, cpu: cpus()[0]?.model, verde, torch });
}

main().catch((err) => {
  console.error(`bench/train-step: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
