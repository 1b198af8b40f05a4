/**
 * The inference worker: a worker_thread that owns the ONNX Runtime sessions of one model directory
 * and runs the batches the main thread sends it, one at a time.
 *
 * Text batches are padded to their longest member (not to maxLength): padding costs compute for
 * nothing, and a batch of short messages is then as cheap as it can be.
 *
 * Early exit (guide §3.4.1.1): when the manifest lists `earlyExit.stages` and a threshold is set,
 * stage k runs only on the rows no earlier exit answered; a row leaves at the first stage whose
 * softmax maximum reaches the threshold (the last stage always answers). Stage contract
 * (docs/serving.md): a stage takes any of the model's inputs by name plus, after stage 0, the
 * previous stage's `<x>_out` outputs as `<x>_in`; it returns the model's output (logits or
 * probabilities) and the `<x>_out` tensors the next stage needs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { loadTokenizer, type WordPieceTokenizer } from '../tokenizers/index.js';
import type { BatchRows, RunRequest, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Softmax of each row in place (for models whose output kind is logits). */
function softmaxRows(values: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, values[r * cols + c]!);
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(values[r * cols + c]! - max);
      values[r * cols + c] = e;
      sum += e;
    }
    for (let c = 0; c < cols; c++) values[r * cols + c]! /= sum;
  }
}

/** Build the model's input tensors for a batch (text: padded to the longest row). */
function inputTensors(rows: BatchRows, nFeatures: number, tokenizer: WordPieceTokenizer | null, maxLength: number): { feeds: Record<string, ort.Tensor>; n: number; padded: number } {
  if (rows.kind === 'tabular') {
    const n = rows.features.length;
    const data = new Float32Array(n * nFeatures);
    rows.features.forEach((f, i) => data.set(f, i * nFeatures));
    return { feeds: { [init.manifest.io.inputs[0] ?? 'features']: new ort.Tensor('float32', data, [n, nFeatures]) }, n, padded: 0 };
  }
  if (!tokenizer) throw new Error('text batch sent to a model without a tokenizer');
  const enc = tokenizer.encodeBatch(rows.texts, { maxLength, padding: 'longest' });
  const dims = [enc.batchSize, enc.seqLen];
  return {
    feeds: { input_ids: new ort.Tensor('int64', enc.inputIds, dims), attention_mask: new ort.Tensor('int64', enc.attentionMask, dims) },
    n: enc.batchSize,
    padded: enc.seqLen,
  };
}

/** The rows `keep` of a tensor along its first axis. */
function takeRows(t: ort.Tensor, keep: number[]): ort.Tensor {
  const n = t.dims[0]!;
  const per = t.size / n;
  const src = t.data as Float32Array | BigInt64Array | Int32Array;
  const Ctor = src.constructor as { new (len: number): typeof src };
  const out = new Ctor(keep.length * per);
  keep.forEach((r, i) => (out as Float32Array).set((src as Float32Array).subarray(r * per, (r + 1) * per), i * per));
  return new ort.Tensor(t.type as 'float32', out as Float32Array, [keep.length, ...t.dims.slice(1)]);
}

async function main(): Promise<void> {
  const m = init.manifest;
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: init.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // ONNX Runtime's pool threads spin after each parallel section by default; on a server they
    // would burn the cores the HTTP thread and the other models need between batches.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const useStages = init.exitThreshold !== null && (m.earlyExit?.stages.length ?? 0) > 0;
  const sessions: ort.InferenceSession[] = [];
  if (useStages) {
    for (const stage of m.earlyExit!.stages) sessions.push(await ort.InferenceSession.create(join(init.dir, stage), options));
  } else {
    sessions.push(await ort.InferenceSession.create(join(init.dir, 'model.onnx'), options));
  }
  const nLabels = m.labels.length;
  const nFeatures = m.tabular?.features.length ?? 0;
  const threshold = init.exitThreshold ?? 1;
  const tokenizer = m.task === 'text-classification' ? await loadTokenizer(init.dir) : null;
  const maxLength = m.text?.maxLength ?? 0;
  reply({ type: 'ready', stages: useStages ? sessions.length : 0 });

  // On 'close', finish the batches in hand, then close the port: with nothing left to wait for,
  // the thread ends by itself (being terminated is the main thread's last resort, see model-worker.ts).
  let inFlight = 0;
  let closing = false;
  port.on('message', (req: WorkerRequest) => {
    if (req.type === 'close') {
      closing = true;
      if (inFlight === 0) port.close();
      return;
    }
    inFlight++;
    run(req)
      .catch((err: unknown) => reply({ type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        if (--inFlight === 0 && closing) port.close();
      });
  });

  async function run(req: RunRequest): Promise<void> {
    const { feeds, n, padded } = inputTensors(req.rows, nFeatures, tokenizer, maxLength);
    const probabilities = new Float32Array(n * nLabels);
    const exits = new Int32Array(useStages ? n : 0);
    // `alive[i]` is the original row index of row i of the tensors still in flight.
    let alive = Array.from({ length: n }, (_, i) => i);
    let pool: Record<string, ort.Tensor> = feeds;
    const trace: Float32Array[] | undefined = req.traceStages ? [] : undefined;
    for (let k = 0; k < sessions.length && alive.length > 0; k++) {
      const s = sessions[k]!;
      const stageFeeds: Record<string, ort.Tensor> = {};
      for (const name of s.inputNames) {
        const t = pool[name];
        if (!t) throw new Error(`stage ${k} needs input "${name}", which no earlier stage produced`);
        stageFeeds[name] = t;
      }
      const out = await s.run(stageFeeds);
      const y = out[m.io.output];
      if (!y) throw new Error(`model output "${m.io.output}" missing (outputs: ${s.outputNames.join(', ')})`);
      const p = Float32Array.from(y.data as Float32Array);
      const bad = p.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`stage ${k} returned a non-finite ${m.io.output} value for row ${alive[Math.floor(bad / nLabels)]}`);
      if (m.io.outputKind === 'logits') softmaxRows(p, alive.length, nLabels);
      const last = k === sessions.length - 1;
      trace?.push(p);
      const stay: number[] = [];
      alive.forEach((orig, i) => {
        const row = p.subarray(i * nLabels, (i + 1) * nLabels);
        if (last || (!trace && Math.max(...row) >= threshold)) {
          probabilities.set(row, orig * nLabels);
          if (useStages) exits[orig] = k;
        } else stay.push(i);
      });
      if (last || stay.length === 0) break;
      // Hand on to the next stage only the rows still undecided: the original inputs and `<x>_out` as `<x>_in`.
      const next: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) next[name] = takeRows(t, stay.map((i) => alive[i]!));
      for (const [name, t] of Object.entries(out)) if (name.endsWith('_out')) next[`${name.slice(0, -4)}_in`] = takeRows(t, stay);
      alive = stay.map((i) => alive[i]!);
      pool = next;
    }
    reply({ type: 'result', id: req.id, probabilities, exits, paddedLength: padded, stageProbabilities: trace });
  }
}

main().catch((err: unknown) => reply({ type: 'fatal', message: err instanceof Error ? err.message : String(err) }));
