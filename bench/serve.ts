/**
 * Serving bench on the offline default text model: `node dist/bench/serve.js [MODEL_DIR] [bench-serve flags]`.
 * Model: MODEL_DIR, else the first model under ./verde-out/text/models/ (written by `verde text`),
 * else a stand-in built here with the same architecture as `verde text`'s offline default
 * (DistilBERT, 2 layers, dim 128, 4 heads, FFN 512, max length 128, bert-base-uncased vocabulary)
 * and untrained weights: the compute per request is the default model's, the answers are not.
 * Runs `verde bench-serve` (docs/serving.md); results in bench/out/serve.json.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exists } from '../src/util/atomic.js';

async function trainedDefault(): Promise<string | undefined> {
  const root = './verde-out/text/models';
  if (!(await exists(root))) return undefined;
  const dirs = (await readdir(root)).sort();
  const pick = dirs.find((d) => d === 'base') ?? dirs[0];
  return pick ? join(root, pick) : undefined;
}

async function standIn(dir: string): Promise<string> {
  const { makeConfig } = await import('../src/models/distilbert/config.js');
  const { initParams } = await import('../src/models/distilbert/params.js');
  const { buildInferenceGraph } = await import('../src/models/distilbert/inference-graph.js');
  const { writeTextModelDir } = await import('../src/cases/text/model-dir.js');
  const { bertBaseUncasedTokenizer } = await import('../src/tokenizers/index.js');
  const config = makeConfig(['ham', 'spam'], { layers: 2, dim: 128, heads: 4, hiddenDim: 512 });
  const onnx = buildInferenceGraph(config, initParams(config, 42)).bytes;
  await writeTextModelDir(dir, {
    name: 'distilbert-standin',
    onnx,
    config,
    tokenizer: await bertBaseUncasedTokenizer(128),
    maxLength: 128,
    lineage: { technique: 'untrained stand-in for the serving bench' },
  });
  return dir;
}

let cleanup = async () => {};
let model = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : await trainedDefault();
if (!model) {
  const root = await mkdtemp(join(tmpdir(), 'verde-bench-serve-'));
  cleanup = () => rm(root, { recursive: true, force: true });
  model = await standIn(join(root, 'distilbert'));
  process.stderr.write(`bench/serve: no trained default model under ./verde-out/text/models; built an untrained stand-in of the same size in ${model}\n`);
}
const extra = process.argv.slice(process.argv[2] && !process.argv[2].startsWith('--') ? 3 : 2);
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const args = [cli, 'bench-serve', '--out', 'bench/out/serve.json', '--model', model, ...extra];
process.stderr.write(`bench/serve: node ${args.join(' ')}\n`);
const code = await new Promise<number>((r) => spawn(process.execPath, args, { stdio: 'inherit' }).on('exit', (c) => r(c ?? 1)));
await cleanup();
process.exit(code);
