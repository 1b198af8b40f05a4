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
import { createSessions, ort } from '../engine/runtime/ort.js';
import { runStages } from '../engine/runtime/stages.js';
import { loadTokenizer, textEncoderFor, type TextEncoder } from '../tokenizers/index.js';
import type { BatchRows, RunRequest, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';
import { MODEL_FILE } from '../registry/files.js';
import { ThreadCpuRate } from './thread-cpu.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Build the model's input tensors for a batch (text: padded to the longest row). */
function inputTensors(rows: BatchRows, nFeatures: number, tokenizer: TextEncoder | null, maxLength: number): { feeds: Record<string, ort.Tensor>; n: number; padded: number } {
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

async function main(): Promise<void> {
  const m = init.manifest;
  const useStages = init.exitThreshold !== null && (m.earlyExit?.stages.length ?? 0) > 0;
  // spinning off: ORT's pool threads would otherwise burn the cores the HTTP thread and the other
  // models need between batches
  const files = useStages ? m.earlyExit!.stages.map((stage) => join(init.dir, stage)) : [join(init.dir, MODEL_FILE)];
  const sessions = await createSessions(files, { threads: init.threads, spinning: false });
  const nLabels = m.labels.length;
  const nFeatures = m.tabular?.features.length ?? 0;
  const threshold = init.exitThreshold ?? 1;
  const tokenizer = m.task === 'text-classification' ? await textEncoderFor(m.featuriser, m.text!.maxLength, () => loadTokenizer(init.dir)) : null;
  const maxLength = m.text?.maxLength ?? 0;
  const cpuRate = new ThreadCpuRate(Math.max(1, init.threads));
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
    if (req.type === 'die') {
      if (process.env.VERDE_SERVE_TEST_FAULTS === 'die') throw new Error('test fault: inference worker dies holding its batches');
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
    // This thread's CPU time (thread-cpu.ts: wall time x its CPU/wall ratio), split over the rows
    // that used it, is what the server apportions the process's energy by: tokenising over every
    // row, each stage over the rows that ran it.
    cpuRate.begin();
    let mark = performance.now();
    const spent = (): number => {
      const now = performance.now();
      const cpuS = cpuRate.cpuFor((now - mark) / 1000);
      mark = now;
      return cpuS;
    };
    const { feeds, n, padded } = inputTensors(req.rows, nFeatures, tokenizer, maxLength);
    const rowCpuS = new Float64Array(n).fill(spent() / Math.max(1, n));
    // Each stage's CPU time is shared by the rows it ran: a row that exits early pays no later stage.
    const afterStage = (_stage: number, rows: readonly number[]): void => {
      const perRow = spent() / rows.length;
      for (const orig of rows) rowCpuS[orig]! += perRow;
    };
    const r = await runStages(sessions, feeds, n, { output: m.io.output, outputKind: m.io.outputKind, nLabels, threshold, trace: req.traceStages, afterStage });
    const { probabilities, trace } = r;
    const exits = useStages ? r.exits : new Int32Array(0);
    const tail = spent() / Math.max(1, n); // softmax, copying out
    for (let i = 0; i < n; i++) rowCpuS[i]! += tail;
    reply({ type: 'result', id: req.id, probabilities, exits, paddedLength: padded, stageProbabilities: trace, rowCpuS });
  }
}

main().catch((err: unknown) => reply({ type: 'fatal', message: err instanceof Error ? err.message : String(err) }));
