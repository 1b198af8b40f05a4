/**
 * `verde text` end to end on a tiny config and tiny data (seconds): results.json has every field
 * for every variant, results.csv matches, each variant directory loads and runs in ONNX Runtime
 * with its own tokenizer; fine-tuning the committed tiny HF checkpoint works; bad inputs give a
 * one-line error and leave --out untouched.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { runTextCase, type TextCaseOptions } from '../../src/cases/text/index.js';
import { readManifest } from '../../src/registry/manifest.js';
import { loadTokenizer } from '../../src/tokenizers/load.js';
import { UserError } from '../../src/util/errors.js';
import { CSV_COLUMNS } from '../../src/cases/text/report.js';
import { fixturePath } from '../fixtures/paths.js';
import { reviewsCsv } from '../fixtures/reviews.js';

process.env.VERDE_QUIET = '1';
let dir: string;
let csv: string;
/** 200 rows: enough for the tiny model to learn the (disjoint) word lists within its early-stopping patience. */
let csvLearnable: string;

const tiny: TextCaseOptions = { classes: 'transformer', layers: 1, dim: 16, heads: 2, hiddenDim: 32, maxLength: 32, trainSize: 40, testSize: 20, epochs: 1, recoveryEpochs: 1, print: false };
const VARIANTS = ['base', 'pruned-l1', 'pruned-structured', 'int8', 'pruned-structured-int8'];
const FIELDS = ['name', 'accuracy', 'macroF1', 'latencyMsPerSample', 'throughputPerS', 'sizeBytes', 'peakMemoryBytes', 'energyJ', 'energyJPerInference', 'energyJPerCorrect', 'co2eGrams', 'energyMethod'];


before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verde-text-'));
  csv = join(dir, 'reviews.csv');
  await writeFile(csv, reviewsCsv(80, (i) => (i % 2 ? 'pos' : 'neg')));
  csvLearnable = join(dir, 'reviews-200.csv');
  await writeFile(csvLearnable, reviewsCsv(200, (i) => (i % 2 ? 'pos' : 'neg')));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function checkModelDir(modelDir: string, labels: string[]): Promise<void> {
  const m = await readManifest(modelDir);
  assert.equal(m.task, 'text-classification');
  assert.deepEqual(m.labels, labels);
  const tok = await loadTokenizer(modelDir);
  const enc = tok.encodeBatch(['the movie was great', 'awful boring film'], { maxLength: m.text!.maxLength });
  const s = await ort.InferenceSession.create(join(modelDir, 'model.onnx'));
  const out = await s.run({
    input_ids: new ort.Tensor('int64', enc.inputIds, [enc.batchSize, enc.seqLen]),
    attention_mask: new ort.Tensor('int64', enc.attentionMask, [enc.batchSize, enc.seqLen]),
  });
  assert.deepEqual(out[m.io.output].dims, [2, labels.length]);
  await s.release();
  JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8'));
}

test('from scratch on a CSV: results.json/csv with every field, five loadable model directories', async () => {
  const out = join(dir, 'out-scratch');
  // The positive and negative word lists share no word: a model that learned anything separates them.
  const { results, table } = await runTextCase({ ...tiny, trainSize: 150, testSize: 40, epochs: 3, lr: 1e-2, data: csvLearnable, out });
  const json = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
  assert.deepEqual(json.variants.map((v: { name: string }) => v.name), VARIANTS);
  for (const v of json.variants) {
    for (const f of FIELDS) assert.ok(f in v && v[f] !== undefined, `${v.name}.${f}`);
    assert.equal(typeof v.energyMethod, 'string');
    assert.ok(v.energyJ > 0 && v.latencyMsPerSample > 0 && v.throughputPerS > 0 && v.sizeBytes > 0, v.name);
    assert.ok(v.accuracy >= 0.9, `${v.name}: accuracy ${v.accuracy} on separable data`);
  }
  assert.deepEqual(json.stages.map((s: { name: string }) => s.name), ['prepare', 'train', 'prune-l1', 'prune-structured', 'recovery', 'quantize', 'evaluate']);
  // Every stage does work, so it costs energy.
  for (const s of json.stages) assert.ok(s.energyJ > 0 && s.durationS > 0 && /modelled|measured/.test(s.energyMethod), `${s.name}: ${s.energyJ} J [${s.energyMethod}]`);
  // Conservation: the stages and the unattributed line add up to the measured total (the variants'
  // passes are parts of the evaluate stage, measured in the children the total already counts).
  const stagesJ = results.stages.reduce((a, x) => a + x.energyJ, 0);
  const passesJ = results.variants.reduce((a, v) => a + v.energyJ, 0);
  const evaluate = results.stages.find((x) => x.name === 'evaluate')!;
  assert.ok(results.unattributedEnergyJ! >= 0 && Math.abs(stagesJ + results.unattributedEnergyJ! - results.totalEnergyJ) < 1e-6 * results.totalEnergyJ, `stages ${stagesJ} + unattributed ${results.unattributedEnergyJ} vs total ${results.totalEnergyJ}`);
  assert.ok(passesJ > 0 && passesJ <= evaluate.energyJ, `variant passes ${passesJ} J inside the evaluate stage's ${evaluate.energyJ} J`);
  const byName = Object.fromEntries(results.variants.map((v) => [v.name, v]));
  // dim 16: the per-row embedding scales cost 1/16 of the int8 table; at dim >= 64 the file is
  // <= 30 % (test/compress/quantize.test.ts), at DistilBERT-base ~26 % (bench/text-variants).
  assert.ok(byName.int8.sizeBytes <= 0.35 * byName.base.sizeBytes, `int8 ${byName.int8.sizeBytes} vs base ${byName.base.sizeBytes}`);
  assert.ok(byName['pruned-structured'].parameters < byName.base.parameters);
  assert.ok(byName.int8.outputRelError! < 0.1);
  const csvText = await readFile(join(out, 'results.csv'), 'utf8');
  assert.equal(csvText.split('\n')[0], CSV_COLUMNS.join(','));
  assert.equal(csvText.trim().split('\n').length, 1 + VARIANTS.length);
  for (const v of VARIANTS) await checkModelDir(join(out, 'models', v), ['neg', 'pos']);
  assert.match(table, /0\.8633/); // printed beside the guide's table
});

test('fine-tuning the tiny HF checkpoint with early-exit heads (labels replaced by the data\'s)', async () => {
  const out = join(dir, 'out-finetune');
  const { results } = await runTextCase({ ...tiny, layers: undefined, dim: undefined, heads: undefined, hiddenDim: undefined, model: fixturePath('tiny-distilbert'), data: csv, out, lr: 1e-3, earlyExit: true, recoveryEpochs: 0 });
  assert.equal(results.variants.length, 5);
  assert.equal(results.model.dim, 32);
  await checkModelDir(join(out, 'models', 'pruned-structured-int8'), ['neg', 'pos']);
  const m = await readManifest(join(out, 'models', 'base'));
  assert.deepEqual(m.earlyExit?.stages, ['exits/exit-0.onnx', 'exits/exit-1.onnx']);
  for (const f of m.earlyExit!.stages) await ort.InferenceSession.create(join(out, 'models', 'base', f)).then((s) => s.release());
  assert.ok(Array.isArray(results.earlyExit?.evaluation) && results.earlyExit!.evaluation.length >= 4);
  // No --exit-threshold: chosen on the validation split, and that is what the server will use.
  const ee = results.stages.find((s) => s.name === 'early-exit');
  assert.match(String(ee?.detail?.thresholdFrom), /^validation: accuracy/);
  assert.equal(m.earlyExit!.threshold, results.earlyExit!.threshold);
  const t = results.earlyExit!.threshold;
  assert.ok(t === null ? /early exit is off/.test(String(ee?.detail?.thresholdFrom)) : t > 0 && t <= 1, `threshold ${t}`);
});

async function expectOneLineError(opts: TextCaseOptions, pattern: RegExp): Promise<void> {
  const out = join(dir, 'out-kept');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'keep.txt'), 'earlier results');
  await assert.rejects(runTextCase({ ...tiny, ...opts, out }), (err: Error) => {
    assert.ok(err instanceof UserError, `${err.name}: ${err.message}`);
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, pattern);
    return true;
  });
  assert.deepEqual(await readdir(out), ['keep.txt']);
  assert.deepEqual((await readdir(dir)).filter((n) => n.includes('.tmp')), [], 'no temporary directory left behind');
}

async function brokenCheckpoint(name: string, edit: (d: string) => Promise<void>): Promise<string> {
  const d = join(dir, name);
  await cp(fixturePath('tiny-distilbert'), d, { recursive: true });
  await edit(d);
  return d;
}

test('bad inputs: one-line errors naming the file/field, --out untouched', async () => {
  await expectOneLineError({ data: csv, textCol: 'body' }, /body/);
  const one = join(dir, 'one-class.csv');
  await writeFile(one, reviewsCsv(30, () => 'pos'));
  await expectOneLineError({ data: one }, /one class/);
  const empty = join(dir, 'not-a-model');
  await mkdir(empty, { recursive: true });
  await expectOneLineError({ data: csv, model: empty, layers: undefined, dim: undefined, heads: undefined, hiddenDim: undefined }, /config\.json/);
  const shapes = await brokenCheckpoint('bad-shapes', async (d) => {
    const cfg = JSON.parse(await readFile(join(d, 'config.json'), 'utf8'));
    cfg.hidden_dim = 48;
    await writeFile(join(d, 'config.json'), JSON.stringify(cfg));
  });
  await expectOneLineError({ data: csv, model: shapes, layers: undefined, dim: undefined, heads: undefined, hiddenDim: undefined }, /model\.safetensors.*ffn\.lin1\.weight.*\[64,32\].*\[48,32\]/);
  const header = await brokenCheckpoint('bad-header', async (d) => {
    const p = join(d, 'model.safetensors');
    const bytes = await readFile(p);
    bytes.write('{{{{ not json', 8);
    await writeFile(p, bytes);
  });
  await expectOneLineError({ data: csv, model: header, layers: undefined, dim: undefined, heads: undefined, hiddenDim: undefined }, /model\.safetensors.*(header|JSON)/);
  await expectOneLineError({ data: csv, heads: 3 }, /--heads/);
});

test('the CLI prints one line "verde: ..." and exits 2 on bad input', async () => {
  const main = resolve('dist/src/cli/main.js');
  const run = promisify(execFile);
  await assert.rejects(run(process.execPath, [main, 'text', '--data', join(dir, 'missing.csv'), '--out', join(dir, 'cli-out')]), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 2);
    const lines = err.stderr.trim().split('\n');
    assert.equal(lines.length, 1, err.stderr);
    assert.match(lines[0], /^verde: .*missing\.csv/);
    return true;
  });
  await assert.rejects(readdir(join(dir, 'cli-out')));
});
