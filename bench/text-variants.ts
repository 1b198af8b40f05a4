/**
 * bench/text-variants: DistilBERT-base shape (6 layers, dim 768, 12 heads, FFN 3072, vocab 30522)
 * with random weights, sequence 256, batch 1 and 8, the same token ids and weights for everyone:
 * verde fp32, verde int8 (dynamic, DynamicQuantizeMatMul) and verde structured-pruned 30 % on ONNX
 * Runtime, against PyTorch 1.13 fp32 and torch.quantization.quantize_dynamic (bench/text-variants.py,
 * run by this script). Prints throughputs, the ratios against the targets, and file sizes.
 *
 *   node dist/bench/text-variants.js [--threads 2] [--repeats 10]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { makeConfig } from '../src/models/distilbert/config.js';
import { initParams, rng } from '../src/models/distilbert/params.js';
import { buildInferenceGraph } from '../src/models/distilbert/inference-graph.js';
import { pruneStructured } from '../src/compress/prune-structured.js';
import { int8Advice } from '../src/compress/cpu-features.js';
import { decodeModel, encodeModel } from '../src/compress/onnx-graph.js';
import { quantizeDynamic } from '../src/compress/quantize-dynamic.js';

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

async function timeSession(bytes: Uint8Array, ids: Map<number, BigInt64Array>): Promise<Map<number, { s: number; logits: Float32Array }>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const out = new Map<number, { s: number; logits: Float32Array }>();
  for (const b of BATCHES) {
    const feeds = {
      input_ids: new ort.Tensor('int64', ids.get(b)!, [b, SEQ]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(b * SEQ).fill(1n), [b, SEQ]),
    };
    const first = await session.run(feeds);
    await session.run(feeds);
    const ts: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await session.run(feeds);
      ts.push((performance.now() - t) / 1000);
    }
    out.set(b, { s: median(ts), logits: first.logits.data as Float32Array });
  }
  await session.release();
  return out;
}

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

    process.stderr.write(`running PyTorch peer (threads ${threads}) ...\n`);
    const py = await promisify(execFile)('/usr/bin/python3', [resolve('bench/text-variants.py'), work, String(threads), String(repeats)], { maxBuffer: 64 << 20 });
    const torch = JSON.parse(py.stdout) as { torch: string; quantized_engine: string; runs: Record<string, { fp32_s: number; int8_s: number; fp32_logits: number[]; int8_logits: number[] }>; fp32_state_dict_bytes: number; int8_state_dict_bytes: number };
    process.stderr.write('running verde (ONNX Runtime) ...\n');
    const v32 = await timeSession(fp32, ids);
    const v8 = await timeSession(int8, ids);
    const vst = await timeSession(pruned, ids);
    const vst8 = await timeSession(prunedInt8, ids);

    const lines: string[] = [];
    lines.push(`bench/text-variants — DistilBERT-base shape, random weights, seq ${SEQ}, ${threads} thread(s), median of ${repeats}; int8 weights: ${advice.reason}; torch ${torch.torch} (${torch.quantized_engine})`);
    lines.push('batch | PyTorch fp32 | PyTorch int8 | verde fp32 | verde int8 | verde pruned-30% | verde pruned+int8   (sequences/s)');
    for (const b of BATCHES) {
      const t = torch.runs[String(b)];
      const tp = (s: number) => (b / s).toFixed(2).padStart(9);
      lines.push(`${String(b).padStart(5)} | ${tp(t.fp32_s)}    | ${tp(t.int8_s)}    | ${tp(v32.get(b)!.s)}  | ${tp(v8.get(b)!.s)}  | ${tp(vst.get(b)!.s)}        | ${tp(vst8.get(b)!.s)}`);
    }
    for (const b of BATCHES) {
      const t = torch.runs[String(b)];
      const vs8 = v8.get(b)!.s;
      const r1 = t.fp32_s / vs8, r2 = t.int8_s / vs8, r3 = v32.get(b)!.s / vst.get(b)!.s;
      lines.push(`batch ${b}: verde int8 / PyTorch fp32 = ${r1.toFixed(2)}x (target >= 2.5) ${r1 >= 2.5 ? 'MET' : 'MISSED'}; ` +
        `verde int8 / PyTorch int8 = ${r2.toFixed(2)}x (target >= 1.25) ${r2 >= 1.25 ? 'MET' : 'MISSED'}; ` +
        `structured-pruned / unpruned (verde fp32) = ${r3.toFixed(2)}x (target >= 1.3) ${r3 >= 1.3 ? 'MET' : 'MISSED'}; ` +
        `verde fp32 / PyTorch fp32 = ${(t.fp32_s / v32.get(b)!.s).toFixed(2)}x`);
      lines.push(`  logits max |verde fp32 - torch fp32| = ${maxDiff(v32.get(b)!.logits, t.fp32_logits).toExponential(2)}, ` +
        `|verde int8 - verde fp32| = ${maxDiff(v8.get(b)!.logits, v32.get(b)!.logits).toExponential(2)}, |torch int8 - torch fp32| = ${maxDiff(t.int8_logits, t.fp32_logits).toExponential(2)}`);
    }
    const ratio = int8.length / fp32.length;
    lines.push(`files: verde fp32 ${(fp32.length / 1e6).toFixed(2)} MB, int8 ${(int8.length / 1e6).toFixed(2)} MB (${(100 * ratio).toFixed(1)} %, target <= 30 % ${ratio <= 0.3 ? 'MET' : 'MISSED'}), ` +
      `pruned ${(pruned.length / 1e6).toFixed(2)} MB, pruned+int8 ${(prunedInt8.length / 1e6).toFixed(2)} MB; ` +
      `PyTorch state_dict fp32 ${(torch.fp32_state_dict_bytes / 1e6).toFixed(2)} MB, int8 ${(torch.int8_state_dict_bytes / 1e6).toFixed(2)} MB`);
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
