#!/usr/bin/env node
/**
 * The `verde` command line. Each sub-command lives in its own file under ./commands and registers
 * itself on the program; heavy modules (ONNX Runtime, DuckDB) are imported lazily inside the
 * actions so that `verde --help` and `verde detect` start fast.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors.js';
import { registerMeasure } from './commands/measure.js';
import { registerDetect } from './commands/detect.js';
import { registerText } from './commands/text.js';
import { registerPredict } from './commands/predict.js';
import { registerFraud } from './commands/fraud.js';
import { registerServe } from './commands/serve.js';
import { registerBenchServe } from './commands/bench-serve.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerDemo } from './commands/demo.js';
import { registerRuns } from './commands/runs.js';
import { registerReport } from './commands/report.js';
import { registerScore } from './commands/score.js';
import { registerWorker } from './commands/worker.js';
import { registerRegistry } from './commands/registry.js';
import { registerDataProfile } from './commands/data-profile.js';
import { registerDataMinimise } from './commands/data-minimise.js';
import { registerDataSelect } from './commands/data-select.js';
import { registerExport } from './commands/export.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('verde')
    .description(
      'Make AI greener and prove it. Measures the energy and carbon of every phase of a model\'s\n' +
        'life and applies the PNAV guide\'s techniques (pruning, quantisation, distillation,\n' +
        'batching, caching, early exit, cascades) with numbers for what each saves.\n' +
        'Every energy figure names its method (measured:rapl, measured:nvml, modelled:tdp, ...).\n\n' +
        'Start with `verde demo` (both worked cases on the embedded data) or `verde measure -- <cmd>`.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ helpWidth: 100 })
    .enablePositionalOptions()
    .exitOverride();
  registerDemo(program);
  registerMeasure(program);
  registerDetect(program);
  registerText(program);
  registerPredict(program);
  registerFraud(program);
  registerServe(program);
  registerBenchServe(program);
  registerCalibrate(program);
  registerRuns(program);
  registerReport(program);
  registerScore(program);
  registerWorker(program);
  registerRegistry(program);
  registerDataProfile(program);
  registerDataMinimise(program);
  registerDataSelect(program);
  registerExport(program);
  // One line each in `verde --help`; every command's own --help has the full story.
  const summaries: Record<string, string> = {
    demo: "run both worked cases offline (§6.1 text, §5 fraud) and print the comparisons",
    measure: 'run a command and measure the energy and carbon of its process tree',
    detect: 'list the energy sources readable here and the method each component would use',
    text: '§6.1: train, prune, quantise and compare a DistilBERT text classifier, with energy',
    predict: 'classify texts (or table rows) with a saved model',
    fraud: '§5: fraud detection with each green technique measured against its counterpart',
    serve: 'serve models over HTTP: dynamic batching, cache, early exit, cascades, energy per request',
    'bench-serve': 'load-test verde serve: batching, cache, early exit and cascade, on and off',
    calibrate: 'choose early-exit and cascade thresholds on labelled validation data (§3.4.1)',
    runs: 'the run store: list, show, diff and import CodeCarbon emissions.csv',
    score: 'score a CSV/Parquet table with a model in batches to Parquet parts, locally or over a Redis queue',
    worker: 'process verde score --queue shards from Redis (BullMQ), writing parts, reporting energy',
    registry: 'model registry: versions, lineage, energy, aliases with approval, archive, retention, audit',
    data: '§1 data chapter: profile a file, minimise it step by step and prove what it costs',
    export: 'write a model for another serving engine: an NVIDIA Triton model repository',
    report: 'HTML/Markdown/JSON report of stored runs: winners, Pareto front, phases, grids, SCI, energy labels',
  };
  for (const cmd of program.commands) {
    const line = summaries[cmd.name()];
    if (line) cmd.summary(line);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; bad flags were already printed by commander.
      return err.exitCode;
    }
    if (err instanceof UserError) {
      process.stderr.write(`verde: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`verde: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
