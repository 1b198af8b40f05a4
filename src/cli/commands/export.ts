import type { Command } from 'commander';
import { choiceFlag, intFlag } from '../flags.js';
import type { TritonExportOptions } from '../../deploy/triton.js';

/** Parsed flags: TritonExportOptions under the same names, --kind still unchecked text. */
type TritonFlags = Omit<TritonExportOptions, 'kind'> & { kind: string };

/** `verde export <target>`: a verde model directory in another serving engine's layout. */
export function registerExport(program: Command): void {
  const group = program.command('export').description('Write a verde model for another serving engine (export triton: an NVIDIA Triton model repository).');
  group
    .command('triton')
    .summary('a Triton model repository (config.pbtxt, model.onnx, labels) with measured batch sizes')
    .description(
      'Write a Triton Inference Server model repository for a verde ONNX model:\n' +
        '  REPO/NAME/config.pbtxt     platform onnxruntime_onnx, inputs/outputs with data types and dims from\n' +
        '                             the graph, dynamic_batching, instance_group\n' +
        '  REPO/NAME/1/model.onnx     a byte copy of the model\n' +
        '  REPO/NAME/labels.txt       the class names (label_filename on the output)\n' +
        '  REPO/NAME/verde-batch-cost.json  the measurement behind preferred_batch_size\n' +
        'preferred_batch_size comes from verde\'s batch-cost measurement: model.onnx runs in ONNX Runtime at\n' +
        'batch sizes 1, 2, 4, ... max, each metered; preferred are the first size whose energy per row is\n' +
        'within 10 % of the cheapest and every larger one (--no-measure: 8 and up). Text models take\n' +
        'token ids (input_ids, attention_mask): tokenise on the client with the model\'s own tokenizer\n' +
        '(docs/deploy.md). REPO/NAME is replaced.',
    )
    .requiredOption('--model <dir>', 'verde model directory (verde.json + model.onnx)')
    .requiredOption('--out <repo>', 'model repository directory (created if missing)')
    .option('--name <name>', "model name in the repository (default: the manifest's name)")
    .option('--no-measure', 'skip the batch-cost measurement; prefer batch sizes 8 and up')
    .option('--max-batch-size <n>', 'max_batch_size (and the largest size measured)', intFlag('--max-batch-size', 1, 65536), 64)
    .option('--max-queue-delay-us <us>', 'dynamic_batching max_queue_delay_microseconds', intFlag('--max-queue-delay-us', 0), 0)
    .option('--kind <kind>', 'instance_group kind: cpu or gpu', 'cpu')
    .option('--instances <n>', 'instance_group count', intFlag('--instances', 1, 1024), 1)
    .action(async (flags: TritonFlags) => {
      const kind = choiceFlag('--kind', ['cpu', 'gpu'])(flags.kind);
      const { exportTriton } = await import('../../deploy/triton.js');
      const r = await exportTriton({ ...flags, kind });
      const lines = r.costs.map((c) => `  batch ${String(c.batchSize).padStart(5)}: ${(c.secondsPerRow * 1e6).toFixed(1).padStart(9)} us/row  ${(c.joulesPerRow * 1e3).toPrecision(3).padStart(8)} mJ/row  (${c.method})`);
      process.stdout.write(
        `${lines.length ? `Batch cost of model.onnx:\n${lines.join('\n')}\n` : ''}` +
          `preferred_batch_size: ${r.config.dynamicBatching?.preferredBatchSize.join(', ') ?? '(no batching: the graph has a fixed batch dimension)'}\n` +
          `Wrote the Triton model ${r.config.name} to ${r.dir}\n`,
      );
    });
}
