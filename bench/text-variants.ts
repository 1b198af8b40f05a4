/**
 * bench/text-variants: DistilBERT-base shape (6 layers, dim 768, 12 heads, FFN 3072, vocab 30522)
 * with random weights, sequence 256, batch 1 and 8, the same token ids and weights for everyone:
 * verde fp32, verde int8 (dynamic, DynamicQuantizeMatMul) and verde structured-pruned 30 % on ONNX
 * Runtime, against PyTorch 1.13 fp32 and torch.quantization.quantize_dynamic (bench/text-variants.py,
 * run by this script). Prints throughputs, the ratios against the issue's targets, and file sizes.
 *
 *   node dist/bench/text-variants.js [--threads 2] [--repeats 10]
 * (run from the repository root: it starts /usr/bin/python3 bench/text-variants.py)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSession, ort } from '../src/engine/index.js';
import { makeConfig } from '../src/models/distilbert/config.js';
import { initParams, rng } from '../src/models/distilbert/params.js';
import { buildInferenceGraph } from '../src/models/distilbert/inference-graph.js';
import { pruneStructured } from '../src/compress/prune-structured.js';
import { int8Advice } from '../src/compress/cpu-features.js';
import { decodeModel, encodeModel } from '../src/engine/onnx-graph.js';
import { quantizeDynamic } from '../src/compress/quantize-dynamic.js';
import { PYTHON, pythonPeerEnv } from './python-peer.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const threads = arg('--threads', 2);
const repeats = arg('--repeats', 10);
const SEQ = 256;
const BATCHES = [1, 8];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

type Contender = { name: string; run: (b: number) => Promise<number> };

async function ortContender(name: string, bytes: Uint8Array, ids: Map<number, BigInt64Array>, logits: Map<string, Float32Array>): Promise<Contender & { release: () => Promise<void> }> {
  const session = await createSession(bytes, { threads }); // the runtime boundary verde's own sessions go through
  const feeds = new Map(BATCHES.map((b) => [b, {
    input_ids: new ort.Tensor('int64', ids.get(b)!, [b, SEQ]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(b * SEQ).fill(1n), [b, SEQ]),
  }]));
  for (const b of BATCHES) {
    logits.set(`${name}-${b}`, (await session.run(feeds.get(b)!)).logits.data as Float32Array);
    await session.run(feeds.get(b)!);
  }
  return {
    name,
    run: async (b) => {
      const t = performance.now();
      await session.run(feeds.get(b)!);
      return (performance.now() - t) / 1000;
    },
    release: () => session.release(),
  };
}

/** The PyTorch peer as a child process that times one forward per request. */
async function torchContenders(work: string): Promise<{ contenders: Contender[]; info: TorchInfo; close: () => void }> {
  const child = spawn(PYTHON, [resolve('bench/text-variants.py'), work, String(threads)], { stdio: ['pipe', 'pipe', 'inherit'], env: pythonPeerEnv(threads) });
  const lines = createInterface({ input: child.stdout! });
  const queue: { res: (l: string) => void; rej: (e: Error) => void }[] = [];
  const early: string[] = [];
  lines.on('line', (l) => { const w = queue.shift(); if (w) w.res(l); else early.push(l); });
  child.on('exit', (code) => { for (const w of queue.splice(0)) w.rej(new Error(`PyTorch peer exited with code ${code}`)); });
  const next = () => new Promise<string>((res, rej) => {
    if (early.length) return res(early.shift()!);
    queue.push({ res, rej });
  });
  const ready = await next();
  if (!ready.startsWith('READY ')) throw new Error(`PyTorch peer: ${ready}`);
  const info = JSON.parse(ready.slice(6)) as TorchInfo;
  const mk = (name: string): Contender => ({
    name: `torch-${name}`,
    run: async (b) => {
      child.stdin!.write(`${name} ${b}\n`);
      return Number(await next());
    },
  });
  return { contenders: [mk('fp32'), mk('int8')], info, close: () => child.stdin!.end() };
}

interface TorchInfo { torch: string; quantized_engine: string; logits: Record<string, number[]>; fp32_state_dict_bytes: number; int8_state_dict_bytes: number }

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'verde-bench-text-'));
  try {
    const config = makeConfig(['neg', 'pos'], { layers: 6, dim: 768, heads: 12, hiddenDim: 3072, vocabSize: 30522, maxPositions: 512 });
    const params = initParams(config, 1, 0.02);
    // Weights and ids for the PyTorch peer: one float32 blob + index, int64 ids per batch size.
    const index: Record<string, { offset: number; shape: number[] }> = {};
    let offset = 0;
    for (const [n, p] of params) { index[n] = { offset, shape: p.dims }; offset += p.data.length; }
    const blob = new Float32Array(offset);
    for (const [n, p] of params) blob.set(p.data, index[n].offset);
    await writeFile(join(work, 'weights.bin'), new Uint8Array(blob.buffer));
    await writeFile(join(work, 'weights.json'), JSON.stringify({ config: { dim: 768, heads: 12, layers: 6 }, tensors: index }));
    const r = rng(7);
    const ids = new Map<number, BigInt64Array>();
    for (const b of BATCHES) {
      const a = BigInt64Array.from({ length: b * SEQ }, () => BigInt(1000 + Math.floor(r.uniform() * 29000)));
      for (let i = 0; i < b; i++) { a[i * SEQ] = 101n; a[i * SEQ + SEQ - 1] = 102n; }
      ids.set(b, a);
      await writeFile(join(work, `ids-b${b}.bin`), new Uint8Array(a.buffer));
    }

    const advice = int8Advice();
    const fp32 = buildInferenceGraph(config, params).bytes;
    const int8 = encodeModel(quantizeDynamic(decodeModel(fp32), { reduceRange: advice.reduceRange }).model);
    const st = pruneStructured(config, params, { headFraction: 0.3, neuronFraction: 0.3 });
    const pruned = buildInferenceGraph(st.config, st.params).bytes;
    const prunedInt8 = encodeModel(quantizeDynamic(decodeModel(pruned), { reduceRange: advice.reduceRange }).model);

    process.stderr.write(`starting the PyTorch peer (threads ${threads}) and verde sessions ...\n`);
    const torch = await torchContenders(work);
    const logits = new Map<string, Float32Array>();
    const verde = [
      await ortContender('verde-fp32', fp32, ids, logits),
      await ortContender('verde-int8', int8, ids, logits),
      await ortContender('verde-pruned', pruned, ids, logits),
      await ortContender('verde-pruned-int8', prunedInt8, ids, logits),
    ];
    const all: Contender[] = [...torch.contenders, ...verde];
    // Interleaved rounds: each round runs every contender once per batch size, so load from
    // other processes on the machine hits all of them alike; medians over rounds.
    const times = new Map<string, number[]>();
    for (let round = 0; round < repeats; round++) {
      for (const b of BATCHES) for (const c of all) {
        const key = `${c.name}-${b}`;
        if (!times.has(key)) times.set(key, []);
        times.get(key)!.push(await c.run(b));
      }
      process.stderr.write(`round ${round + 1}/${repeats}\n`);
    }
    torch.close();
    for (const v of verde) await v.release();
    const sec = (name: string, b: number) => median(times.get(`${name}-${b}`)!);
    const tl = (name: string, b: number) => torch.info.logits[`${name}-${b}`];
    const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ').slice(0, 3).join(' ');
    const lines: string[] = [];
    lines.push(`bench/text-variants — DistilBERT-base shape, random weights, seq ${SEQ}, ${threads} thread(s), median of ${repeats} interleaved rounds; load average ${load}; int8 weights: ${advice.reason}; torch ${torch.info.torch} (${torch.info.quantized_engine})`);
    lines.push('batch | PyTorch fp32 | PyTorch int8 | verde fp32 | verde int8 | verde pruned-30% | verde pruned+int8   (sequences/s)');
    const order = ['torch-fp32', 'torch-int8', 'verde-fp32', 'verde-int8', 'verde-pruned', 'verde-pruned-int8'];
    for (const b of BATCHES) lines.push(`${String(b).padStart(5)} | ` + order.map((n) => (b / sec(n, b)).toFixed(2).padStart(10)).join(' | '));
    for (const b of BATCHES) {
      const r1 = sec('torch-fp32', b) / sec('verde-int8', b), r2 = sec('torch-int8', b) / sec('verde-int8', b), r3 = sec('verde-fp32', b) / sec('verde-pruned', b);
      lines.push(`batch ${b}: verde int8 / PyTorch fp32 = ${r1.toFixed(2)}x (target >= 2.5) ${r1 >= 2.5 ? 'MET' : 'MISSED'}; ` +
        `verde int8 / PyTorch int8 = ${r2.toFixed(2)}x (target >= 1.25) ${r2 >= 1.25 ? 'MET' : 'MISSED'}; ` +
        `structured-pruned / unpruned (verde fp32) = ${r3.toFixed(2)}x (target >= 1.3) ${r3 >= 1.3 ? 'MET' : 'MISSED'}; ` +
        `verde fp32 / PyTorch fp32 = ${(sec('torch-fp32', b) / sec('verde-fp32', b)).toFixed(2)}x; pruned+int8 / PyTorch fp32 = ${(sec('torch-fp32', b) / sec('verde-pruned-int8', b)).toFixed(2)}x`);
      lines.push(`  logits max |verde fp32 - torch fp32| = ${maxDiff(logits.get(`verde-fp32-${b}`)!, tl('fp32', b)).toExponential(2)}, ` +
        `|verde int8 - verde fp32| = ${maxDiff(logits.get(`verde-int8-${b}`)!, logits.get(`verde-fp32-${b}`)!).toExponential(2)}, |torch int8 - torch fp32| = ${maxDiff(tl('int8', b), tl('fp32', b)).toExponential(2)}`);
    }
    const ratio = int8.length / fp32.length;
    lines.push(`files: verde fp32 ${(fp32.length / 1e6).toFixed(2)} MB, int8 ${(int8.length / 1e6).toFixed(2)} MB (${(100 * ratio).toFixed(1)} %, target <= 30 % ${ratio <= 0.3 ? 'MET' : 'MISSED'}), ` +
      `pruned ${(pruned.length / 1e6).toFixed(2)} MB, pruned+int8 ${(prunedInt8.length / 1e6).toFixed(2)} MB; ` +
      `PyTorch state_dict fp32 ${(torch.info.fp32_state_dict_bytes / 1e6).toFixed(2)} MB, int8 ${(torch.info.int8_state_dict_bytes / 1e6).toFixed(2)} MB`);
    lines.push(`structured pruning kept heads per layer ${st.report.headsAfter.join(',')}, FFN ${st.report.hiddenAfter[0]}/3072; params ${(st.report.paramsAfter / 1e6).toFixed(1)}M of ${(st.report.paramsBefore / 1e6).toFixed(1)}M`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench/text-variants: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
