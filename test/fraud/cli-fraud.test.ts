/**
 * `verde fraud` through the real CLI (a child process running dist/src/cli/main.js): end to end on
 * small generated data, on a user's CSV, and the bad inputs that must give one-line errors and
 * leave nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/util/random.js';
import { generateTransactionDays } from '../../src/data/transactions/index.js';
import { GBDT_JSON_FILE, loadGbdt, packGbdt } from '../../src/models/gbdt/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function verde(args: string[], timeoutMs = 180_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, VERDE_QUIET: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MODEL_FIELDS = ['name', 'prAuc', 'rocAuc', 'recallAt1PctFpr', 'trainEnergyJ', 'inferenceEnergyJPerRow', 'onnxBytes', 'energyMethod'] as const;
const ALL_TECHNIQUE_ROWS = [
  'data-minimisation', 'gbdt-vs-deep-mlp', 'hpo-tpe-vs-grid', 'active-learning-uncertainty', 'active-learning-margin',
  'active-learning-diversity', 'pruning', 'quantisation-8bit', 'distillation', 'transfer-warm-start', 'federated-vs-centralised', 'batched-inference',
];

/** Quality floors a model must clear on this data (ROC-AUC, and PR-AUC as a multiple of the fraud rate: a random ranking scores about the rate). */
interface Floors { rocAuc: number; prAucOverRate: number; positiveRate: number }

/** The model table's like-for-like rules: one ONNX size for all, the 8-bit packed size apart, reused training marked. */
async function checkModels(models: Record<string, unknown>[], out: string, floors: (name: string) => Floors | undefined) {
  assert.ok(models.length > 0);
  const byName = new Map(models.map((m) => [m.name as string, m]));
  for (const m of models) {
    for (const f of MODEL_FIELDS) assert.ok(f in m, `model ${m.name} lacks ${f}`);
    const floor = floors(m.name as string);
    if (floor) {
      assert.ok((m.rocAuc as number) >= floor.rocAuc, `model ${m.name} ROC-AUC ${m.rocAuc} < ${floor.rocAuc}`);
      const pr = floor.prAucOverRate * floor.positiveRate;
      assert.ok((m.prAuc as number) >= pr, `model ${m.name} PR-AUC ${m.prAuc} < ${pr} (${floor.prAucOverRate}x the fraud rate)`);
    }
    assert.equal(m.onnxBytes, statSync(join(out, m.modelDir as string, 'model.onnx')).size, `model ${m.name}: onnxBytes is model.onnx's size`);
    // Only the 8-bit model has a packed size, and it is the smaller form; only the copies of the
    // baseline (pruned, quantised) reuse its training run, and say so with its figure.
    // (On small models the packed form, which carries the bin-edge tables, can outweigh the ONNX file.)
    if (m.name === 'gbdt-int8') {
      const saved = await loadGbdt(join(out, m.modelDir as string, GBDT_JSON_FILE));
      assert.equal(m.packedInt8Bytes, packGbdt(saved, 8).length, 'packedInt8Bytes is the 8-bit packing of the saved trees');
    } else assert.equal(m.packedInt8Bytes, undefined, `model ${m.name} has no 8-bit packed form`);
    if (m.name === 'gbdt-int8' || m.name === 'gbdt-pruned') {
      assert.equal(m.trainEnergyReusedFrom, 'gbdt', `model ${m.name} reuses the baseline's training`);
      assert.equal(m.trainEnergyJ, byName.get('gbdt')!.trainEnergyJ);
    } else {
      assert.equal(m.trainEnergyReusedFrom, undefined, `model ${m.name} trained itself`);
    }
    assert.ok((m.trainEnergyJ as number) > 0, `model ${m.name} trainEnergyJ`);
    assert.ok((m.inferenceEnergyJPerRow as number) > 0, `model ${m.name} inferenceEnergyJPerRow`);
    assert.match(m.energyMethod as string, /modelled|measured/);
    assert.ok(existsSync(join(out, m.modelDir as string, 'model.onnx')), `model ${m.name}: model.onnx`);
    assert.ok(existsSync(join(out, m.modelDir as string, 'verde.json')), `model ${m.name}: verde.json`);
  }
}

test('verde fraud end to end on 10k generated rows: every technique row, every model field, files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verde-fraud-cli-'));
  try {
    const out = join(dir, 'out');
    const r = verde(['fraud', '--rows', '10000', '--out', out, '--seed', '7', '--country', 'ESP']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| technique/);
    assert.match(r.stdout, /hpo-tpe-vs-grid/);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(res.techniques.map((t: { name: string }) => t.name).sort(), [...ALL_TECHNIQUE_ROWS].sort());
    assert.deepEqual(res.skipped, []);
    for (const t of res.techniques) {
      assert.ok(Object.keys(t.baseline).length > 0 && Object.keys(t.technique).length > 0, t.name);
      assert.match(t.energyMethod, /modelled|measured/, t.name);
      for (const k of [...Object.keys(t.baseline), ...Object.keys(t.technique)]) assert.match(k, /^[a-z][a-zA-Z0-9]*$/, `${t.name}: ${k} is camelCase`);
    }
    // Independent expectations from the same generator: the fraud rate, and the fraud rows the default
    // rule (amount < 5 at a point of sale) would drop.
    let rows = 0;
    let fraud = 0;
    let fraudMatchingRule = 0;
    for (const day of generateTransactionDays({ rows: 10_000, seed: 7, institution: 0 })) {
      for (const t of day) { rows++; fraud += t.fraud; if (t.fraud && t.amountCents < 500 && t.channel === 'pos') fraudMatchingRule++; }
    }
    // At 10k rows the test period holds a handful of frauds: floors for the GBDTs only (the MLPs
    // are not trained enough on ~30 fraud rows to rank them; the 200k run is where they compete).
    const gbdtFloors = (name: string) => (name.startsWith('gbdt') ? { rocAuc: 0.9, prAucOverRate: 2, positiveRate: fraud / rows } : undefined);
    await checkModels(res.models, out, gbdtFloors);
    const mz = res.techniques.find((t: { name: string }) => t.name === 'data-minimisation');
    assert.equal(mz.technique.fraudRowsDroppedByRule, fraudMatchingRule);
    const home = res.datasets.find((d: { name: string }) => d.name === 'transactions-home');
    assert.equal(mz.technique.fraudRowsDroppedByRule + mz.technique.fraudRowsDroppedByDedup, fraud - home.positives, 'every fraud row the stage lost is counted once');
    // HPO at equal budgets, and TPE's stop rule inside that budget.
    const hpo = res.techniques.find((t: { name: string }) => t.name === 'hpo-tpe-vs-grid');
    assert.equal(hpo.baseline.trials, 27);
    assert.equal(hpo.technique.trials, hpo.baseline.trials);
    assert.ok(hpo.technique.stopRuleTrials >= 9 && hpo.technique.stopRuleTrials <= 27, `stop rule at ${hpo.technique.stopRuleTrials}`);
    for (const side of [hpo.baseline, hpo.technique]) {
      assert.ok(side.bestValidPrAucAt8Trials <= side.bestValidPrAuc && side.searchEnergyJAt8Trials < side.searchEnergyJ);
    }
    assert.ok(hpo.technique.stopRuleBestValidPrAuc <= hpo.technique.bestValidPrAuc && hpo.technique.stopRuleEnergyJ <= hpo.technique.searchEnergyJ);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    assert.match(md, /\| model +\| PR-AUC .*\| ONNX B +\| 8-bit packed B +\|/);
    assert.match(md, /\| gbdt-int8 +\|.*\(\S+: gbdt's, reused\)/);
    assert.ok(res.datasets.length >= 2 && res.datasets[0].rows > 0);
    assert.ok(res.totalEnergyJ > 0 && res.totalCo2eGrams > 0);
    assert.equal(res.carbonIntensityGPerKWh, 174.05); // --country ESP, from the shared table
    assert.match(r.stdout, /Whole run: .* gCO2e at 174\.1 g\/kWh/);
    const fed = res.techniques.find((t: { name: string }) => t.name === 'federated-vs-centralised');
    assert.equal(fed.technique.sites, 3);
    assert.ok(fed.technique.bytesUpInt8 < fed.technique.bytesUpIfFloat32);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8');
    assert.match(csv.split('\n')[0], /^section,name,metric,baseline,technique,value,energyMethod$/);
    assert.ok(csv.includes('technique,batched-inference,energyJPerRow,'));
    // Nothing half-written beside the results directory.
    assert.deepEqual(readdirSync(dir), ['out']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function writeUserCsv(path: string, rows: number, label: (i: number, risky: boolean) => string) {
  const rng = seededRandom(3);
  const lines = ['id,amount,merchant_type,hour,score,label'];
  for (let i = 0; i < rows; i++) {
    const risky = rng.next() < 0.06;
    const amount = risky ? 200 + rng.next() * 800 : rng.next() * 300;
    const type = risky ? (rng.next() < 0.7 ? 'online' : 'atm') : ['shop', 'online', 'food', 'fuel'][rng.int(4)];
    const hour = risky ? rng.int(5) : rng.int(24);
    const score = rng.next() < 0.05 ? 'NA' : (rng.normal() + (risky ? 1.5 : 0)).toFixed(3); // missing values
    lines.push(`${i},${amount.toFixed(2)},${type},${hour},${score},${label(i, risky)}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

test('verde fraud on a user CSV with string labels: minority class is positive, inapplicable techniques say why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verde-fraud-cli-'));
  try {
    const csv = join(dir, 'tx.csv');
    writeUserCsv(csv, 6000, (_i, risky) => (risky ? 'fraud' : 'ok'));
    const out = join(dir, 'out');
    const r = verde(['fraud', '--data', csv, '--label-col', 'label', '--out', out, '--clients', '2', '--skip', 'hpo', 'active-learning', 'gbdt-vs-mlp']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const skipped = Object.fromEntries(res.skipped.map((s: { name: string; reason: string }) => [s.name, s.reason]));
    assert.equal(skipped.hpo, '--skip');
    assert.match(skipped.minimisation, /generated transactions/);
    assert.match(skipped.transfer, /second institution/);
    const names = res.techniques.map((t: { name: string }) => t.name);
    for (const n of ['pruning', 'quantisation-8bit', 'distillation', 'federated-vs-centralised', 'batched-inference']) assert.ok(names.includes(n), n);
    // Separable data (6 % risky rows): every model must rank well above chance; the GBDTs nearly perfectly.
    const rate = 0.06;
    await checkModels(res.models, out, (name) => (name.startsWith('gbdt') ? { rocAuc: 0.99, prAucOverRate: 15, positiveRate: rate } : { rocAuc: 0.9, prAucOverRate: 4, positiveRate: rate }));
    const manifest = JSON.parse(readFileSync(join(out, 'models', 'gbdt', 'verde.json'), 'utf8'));
    assert.deepEqual(manifest.labels, ['ok', 'fraud']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad inputs: one-line errors naming the flag, file or column, and no results directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verde-fraud-cli-'));
  try {
    const csv = join(dir, 'tx.csv');
    writeUserCsv(csv, 300, (_i, risky) => (risky ? '1' : '0'));
    const oneClass = join(dir, 'one.csv');
    writeUserCsv(oneClass, 300, () => '0');
    const ragged = join(dir, 'ragged.csv');
    const text = readFileSync(csv, 'utf8').split('\n');
    text[120] = text[120] + ',extra';
    writeFileSync(ragged, text.join('\n'));
    const wordy = join(dir, 'wordy.csv');
    const w = readFileSync(csv, 'utf8').split('\n');
    w[200] = w[200].replace(/^(\d+),[^,]+,/, '$1,lots,');
    writeFileSync(wordy, w.join('\n'));
    const out = join(dir, 'out');
    const cases: [string[], RegExp][] = [
      [['--data', ragged, '--label-col', 'label'], /ragged\.csv.*line 121/],
      [['--data', wordy, '--label-col', 'label'], /wordy\.csv.*line 201.*amount.*lots/],
      [['--data', csv, '--label-col', 'is_fraud'], /label column "is_fraud" not found/],
      [['--data', oneClass, '--label-col', 'label'], /one class/],
      [['--data', join(dir, 'missing.csv'), '--label-col', 'label'], /missing\.csv: file not found/],
      [['--data', csv], /--label-col: required with --data/],
      [['--label-col', 'label'], /--label-col: only applies with --data/],
      [['--rows', '5'], /--rows: expected a whole number from 10000 to 10000000 \(got "5"\)/],
      [['--rows', 'lots'], /--rows: expected a whole number from 10000 to 10000000 \(got "lots"\)/],
      [['--clients', '1'], /--clients: expected a whole number from 2 to 8 \(got "1"\)/],
      [['--skip', 'magic'], /--skip: "magic" must be minimisation, gbdt-vs-mlp, .* or batching$/],
      [['--country', 'XX'], /--country XX: unknown ISO 3166-1 alpha-3/],
    ];
    for (const [args, message] of cases) {
      const r = verde(['fraud', ...args, '--out', out], 60_000);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(lines[0], /^verde: /);
      assert.match(lines[0], message);
      assert.equal(existsSync(out), false, `${args.join(' ')} left ${out} behind`);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['one.csv', 'ragged.csv', 'tx.csv', 'wordy.csv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
