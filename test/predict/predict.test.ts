import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadPredictor } from '../../src/predict/index.js';
import { fixturePath } from '../fixtures/paths.js';
import { startFakeHub } from '../hub/serve-fixture.js';
import { bagModel, expectedProbabilities, writeBagModelDir, BAG_LABELS } from './bag-model.js';

const run = promisify(execFile);
const CLI = resolve(fixturePath('..', '..', 'dist', 'src', 'cli', 'main.js'));

interface CliResult { code: number; stdout: string; stderr: string }

async function verde(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const TEXTS = [
  'Win FREE money now, click here!',
  'Are we still on for lunch tomorrow? Thanks',
  'meeting',
  'A longer message that has many words but none of the scored ones at all, just filler text here',
];

function assertClose(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `${what}: ${a} vs ${expected[i]} (tol ${tol})`));
}

test('verde model directory: a real ORT session gives the independently computed probabilities', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-predict-'));
  try {
    const m = await bagModel();
    await writeBagModelDir(dir, m);
    const p = await loadPredictor(dir, { batchSize: 3 });
    try {
      assert.equal(p.kind, 'verde');
      assert.deepEqual(p.labels, BAG_LABELS);
      const out = await p.predict(TEXTS);
      assert.equal(out.length, TEXTS.length);
      out.forEach((o, i) => {
        assert.equal(o.text, TEXTS[i], 'results in input order');
        assertClose(o.probabilities, expectedProbabilities(m, TEXTS[i]!), 1e-5, TEXTS[i]!);
        assert.equal(o.label, BAG_LABELS[o.labelId]);
      });
      assert.equal(out[0]!.label, 'spam');
      assert.equal(out[1]!.label, 'ham');
      const long = 'free '.repeat(200);
      assertClose((await p.predict([long]))[0]!.probabilities, expectedProbabilities(m, long, 32), 1e-5, 'truncated to maxLength 32');
    } finally {
      await p.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CLI: verde predict --text ... --json, --data FILE, human output and --out, as a child process', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-predict-cli-'));
  try {
    const m = await bagModel();
    const model = join(dir, 'model');
    await mkdir(model);
    await writeBagModelDir(model, m);

    const j = await verde(['predict', '--model', model, '--text', TEXTS[0]!, '--text', TEXTS[1]!, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const rows = JSON.parse(j.stdout) as { text: string; label: string; probabilities: number[] }[];
    assert.deepEqual(rows.map((r) => Object.keys(r)), [['text', 'label', 'probabilities'], ['text', 'label', 'probabilities']]);
    assert.deepEqual(rows.map((r) => r.label), ['spam', 'ham']);
    rows.forEach((r, i) => assertClose(r.probabilities, expectedProbabilities(m, TEXTS[i]!), 1e-5, r.text));

    const csv = join(dir, 'mails.csv');
    await writeFile(csv, 'id,body\n' + TEXTS.map((t, i) => `${i},"${t.replace(/"/g, '""')}"`).join('\n') + '\n');
    const out = join(dir, 'preds.json');
    const h = await verde(['predict', '--model', model, '--data', csv, '--text-col', 'body', '--out', out]);
    assert.equal(h.code, 0, h.stderr);
    const lines = h.stdout.trim().split('\n');
    assert.equal(lines.length, TEXTS.length);
    assert.match(lines[0]!, /^spam {2}0\.\d{3} {2}\(ham 0\.\d{3}, spam 0\.\d{3}\) {2}"Win FREE money now, click here!"$/);
    assert.match(h.stderr, /verde predict: verde model bag-of-tokens .*4 texts in \d+ ms.*; energy [\d.]+ [kmµ]?(J|Wh) \(modelled:tdp[^)]*\), [\d.]+ m?g CO2e at \d+ g\/kWh/);
    const saved = JSON.parse(await readFile(out, 'utf8')) as { label: string }[];
    assert.deepEqual(saved.map((r) => r.label), ['spam', 'ham', 'ham', 'ham'], 'filler text: [CLS] 0.5 + bias 0.1 > [SEP] 0.25 - 0.1');

    const miss = await verde(['predict', '--model', model, '--data', csv]);
    assert.equal(miss.code, 2);
    assert.match(miss.stderr, /^verde: .*mails\.csv: no column "text" \(columns: id, body\); name the right one with --text-col\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CLI: a Hugging Face directory (the tiny DistilBERT fixture) gives softmax of the PyTorch reference logits', async () => {
  const ref = JSON.parse(await readFile(fixturePath('tiny-distilbert-reference.json'), 'utf8')) as { sentences: string[]; logits: number[][] };
  const dir = await mkdtemp(join(tmpdir(), 'verde-predict-hf-'));
  try {
    const jsonl = join(dir, 's.jsonl');
    await writeFile(jsonl, ref.sentences.map((text) => JSON.stringify({ text })).join('\n') + '\n');
    const r = await verde(['predict', '--model', fixturePath('tiny-distilbert'), '--data', jsonl, '--json', '--batch-size', '7']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { label: string; probabilities: number[] }[];
    rows.forEach((row, i) => {
      const l = ref.logits[i]!;
      const mx = Math.max(...l);
      const e = l.map((v) => Math.exp(v - mx));
      assertClose(row.probabilities, e.map((v) => v / (e[0]! + e[1]!)), 1e-4, ref.sentences[i]!);
      assert.equal(row.label, l[0]! >= l[1]! ? 'NEGATIVE' : 'POSITIVE');
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CLI: a Hub id through HF_ENDPOINT (real local HTTP server) into VERDE_CACHE', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'verde-predict-hub-'));
  const hub = await startFakeHub({ repos: { 'verde-test/tiny-distilbert': fixturePath('tiny-distilbert') } });
  try {
    const env = { VERDE_CACHE: cache, HF_ENDPOINT: hub.endpoint };
    const r = await verde(['predict', '--model', 'verde-test/tiny-distilbert', '--text', 'Hello, world!', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const [row] = JSON.parse(r.stdout) as { label: string; probabilities: number[] }[];
    assert.equal(row!.label, 'NEGATIVE');
    assert.ok(hub.requests.some((p) => p.endsWith('/model.safetensors')));
  } finally {
    await hub.close();
    await rm(cache, { recursive: true, force: true });
  }
});

test('CLI: bad input gives one line on stderr and exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-predict-bad-'));
  try {
    const expectOneLine = async (args: string[], re: RegExp, env: NodeJS.ProcessEnv = {}) => {
      const r = await verde(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    };
    await expectOneLine(['predict', '--model', dir, '--text', 'x'], /^verde: .*neither a verde model directory \(verde\.json\) nor a Hugging Face model directory \(config\.json\)/);
    await expectOneLine(['predict', '--model', join(dir, 'nope'), '--text', 'x'], /^verde: .*nope: no such directory/, { HF_HUB_OFFLINE: '1' });
    await expectOneLine(['predict', '--model', 'distilbert-base-uncased', '--text', 'x'], /^verde: distilbert-base-uncased: not in the cache and HF_HUB_OFFLINE\/VERDE_OFFLINE is set; to use it offline, fetch config\.json, model\.safetensors/, { HF_HUB_OFFLINE: '1', VERDE_CACHE: dir });
    await expectOneLine(['predict', '--model', dir, '--text', '  '], /^verde: --text \(#1\): empty text/);
    await expectOneLine(['predict', '--model', dir], /^verde: predict: give --text/);
    await expectOneLine(['predict', '--model', dir, '--text', 'x', '--batch-size', '0'], /^verde: --batch-size: expected a whole number from 1 \(got "0"\)/);

    const m = await bagModel();
    const three = join(dir, 'three-labels');
    await mkdir(three);
    await writeBagModelDir(three, m, { labels: ['a', 'b', 'c'] });
    await expectOneLine(['predict', '--model', three, '--text', 'hi'], /^verde: .*verde\.json: field "labels" lists 3 labels but .*model\.onnx's output "logits" has 2 columns/);
    await rm(join(three, 'model.onnx'));
    await expectOneLine(['predict', '--model', three, '--text', 'hi'], /^verde: .*model\.onnx: not found/);

    const base = join(dir, 'base');
    await cp(fixturePath('tiny-distilbert'), base, { recursive: true });
    const header = Buffer.from(JSON.stringify({ 'distilbert.embeddings.word_embeddings.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    await writeFile(join(base, 'model.safetensors'), Buffer.concat([len, header, Buffer.alloc(4)]));
    await expectOneLine(['predict', '--model', base, '--text', 'hi'], /^verde: .*model\.safetensors: has no classification head/);
    await writeFile(join(base, 'model.safetensors'), Buffer.concat([len, Buffer.from('{"broken'), Buffer.alloc(64)]));
    await expectOneLine(['predict', '--model', base, '--text', 'hi'], /^verde: .*model\.safetensors: corrupted safetensors header/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CLI: a tabular verde model directory predicts the rows of a file (features by name, categories by index)', async () => {
  const { writeTabularModelDir, expectedTabular } = await import('./tabular-model.js');
  const dir = await mkdtemp(join(tmpdir(), 'verde-predict-tab-'));
  try {
    const model = join(dir, 'model');
    await mkdir(model);
    await writeTabularModelDir(model);
    const csv = join(dir, 'tx.csv');
    await writeFile(csv, 'category,amount,extra\nfood,12.5,x\ntravel,300,y\nunknown,-40,z\n,7,w\n');
    const r = await verde(['predict', '--model', model, '--data', csv, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { row: number; label: string; probabilities: number[] }[];
    const want: [number, string | null][] = [[12.5, 'food'], [300, 'travel'], [-40, 'unknown'], [7, null]];
    assert.deepEqual(rows.map((x) => x.row), [1, 2, 3, 4]);
    rows.forEach((x, i) => assertClose(x.probabilities, expectedTabular(...want[i]!), 1e-5, `row ${i + 1}`));
    assert.equal(rows[1]!.label, 'legit');

    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'category,amount\nfood,lots\n');
    const e = await verde(['predict', '--model', model, '--data', bad]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /^verde: .*bad\.csv: record 1: field "amount" is not a number \("lots"\)\n$/);
    const t = await verde(['predict', '--model', model, '--text', 'hi']);
    assert.match(t.stderr, /^verde: --text: verde model tiny-tabular .* is a tabular model; pass --data FILE with the columns amount, category\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
