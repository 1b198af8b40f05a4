/**
 * The linear text classifier (§2.1) end to end with real parts: hashed n-gram featuriser, IDF,
 * training on verde's engine (ONNX Runtime training worker), the ONNX export against the plain
 * TypeScript forward, and the written model directory loaded by a real `verde predict` and a real
 * `verde serve` child on 127.0.0.1 — both must answer what the in-process model answers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashedNgramFeaturiser, fitIdf, type HashedNgramSpec } from '../../src/tokenizers/hashed-ngrams.js';
import { fitLinearText, linearTextForward, linearTextToOnnx, type LinearTextModel } from '../../src/models/linear-text/index.js';
import { writeLinearModelDir } from '../../src/cases/text/linear.js';
import { createSession, ort } from '../../src/engine/runtime/ort.js';
import { seededRandom } from '../../src/util/random.js';
import { softmaxRows } from '../../src/util/softmax.js';
import { runVerde } from '../fixtures/cli.js';
import { postJson, startServe } from '../serve/helpers.js';

const FILLER = 'the a of to and in is it for on with as was at by this that from be are have not or but his her they we you one all would there their what so up out if about who get which go me when make can like time no just him know take people into year your some could them see other than then now look only come its over think also back after use two how our work first well way even new want because any these give day most us'.split(' ');
const SPAM = ['winner', 'prize', 'cash', 'free', 'offer', 'click', 'credit', 'urgent'];
const HAM = ['meeting', 'notes', 'project', 'lunch', 'review', 'schedule', 'draft', 'team'];

/** A planted corpus: filler text with two to four signal words of the class; 5 % of labels flipped. */
function corpus(n: number, seed: number): { texts: string[]; labels: number[] } {
  const rng = seededRandom(seed);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    const words = Array.from({ length: 12 + Math.floor(rng.next() * 10) }, () => FILLER[Math.floor(rng.next() * FILLER.length)]!);
    const signal = y ? SPAM : HAM;
    for (let k = 0; k < 2 + Math.floor(rng.next() * 3); k++) words.splice(Math.floor(rng.next() * words.length), 0, signal[Math.floor(rng.next() * signal.length)]!);
    texts.push(words.join(' '));
    labels.push(rng.next() < 0.05 ? 1 - y : y);
  }
  return { texts, labels };
}

const SPEC: HashedNgramSpec = { kind: 'hashed-ngrams', wordNgrams: [1, 2], charNgrams: [3, 4], hashDim: 1 << 14, lowercase: true, idf: { file: 'model.onnx', initializer: 'idf' } };
const LABELS = ['ham', 'spam'];
const PROBES = ['Urgent: claim your free cash prize, click now', 'Notes from the project meeting and the lunch schedule', 'the of and', ''];

describe('linear text classifier on hashed n-grams', () => {
  const featuriser = new HashedNgramFeaturiser(SPEC, 512);
  let model: LinearTextModel;
  let dir: string;
  let expected: number[][];

  before(async () => {
    const train = corpus(240, 1);
    const val = corpus(60, 2);
    const ids = train.texts.map((t) => featuriser.encode(t));
    const idf = fitIdf(ids, SPEC.hashDim);
    const fit = await fitLinearText({ hashDim: SPEC.hashDim, labels: LABELS, idf }, { ids, labels: train.labels }, { ids: val.texts.map((t) => featuriser.encode(t)), labels: val.labels }, { epochs: 4, batchSize: 16, seed: 3, threads: 1 });
    model = fit.model;
    dir = mkdtempSync(join(tmpdir(), 'verde-linear-text-'));
    expected = linearTextForward(model, PROBES.map((t) => featuriser.encode(t))).map((l) => softmaxRows(l, 1, 2)[0]!);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hashes deterministically, keeps id 0 for padding, and caps the features', () => {
    const a = featuriser.encode('Free CASH prize');
    assert.deepEqual(a, featuriser.encode('free cash prize'), 'lower-cased');
    assert.ok(a.every((id) => id >= 1 && id < SPEC.hashDim));
    assert.deepEqual(featuriser.encode('!!!'), [0], 'a text without words is the padding id alone');
    assert.equal(featuriser.encode('word '.repeat(1000), { maxLength: 50 }).length, 50);
  });

  it('beats chance clearly on held-out texts', () => {
    const test = corpus(200, 9);
    const logits = linearTextForward(model, test.texts.map((t) => featuriser.encode(t)));
    const acc = logits.filter((l, i) => (l[1]! > l[0]! ? 1 : 0) === test.labels[i]).length / test.texts.length;
    assert.ok(acc >= 0.8, `accuracy ${acc} (chance 0.5, 5 % of labels flipped)`);
  });

  it('exports to ONNX with the in-process probabilities', async () => {
    const session = await createSession(linearTextToOnnx(model), { threads: 1 });
    try {
      const enc = featuriser.encodeBatch(PROBES);
      const dims = [enc.batchSize, enc.seqLen];
      const out = await session.run({ input_ids: new ort.Tensor('int64', enc.inputIds, dims), attention_mask: new ort.Tensor('int64', enc.attentionMask, dims) });
      const probs = softmaxRows(out.logits!.data as Float32Array, PROBES.length, 2);
      probs.forEach((p, i) => p.forEach((v, k) => assert.ok(Math.abs(v - expected[i]![k]!) < 1e-5, `text ${i} class ${k}: ${v} vs ${expected[i]![k]}`)));
    } finally {
      await session.release();
    }
  });

  it('loads as a verde model directory in verde predict and a real verde serve', async () => {
    const modelDir = join(dir, 'linear');
    await writeLinearModelDir(modelDir, { featuriser, fit: { model, history: [], bestEpoch: 1, steps: 0 }, onnx: linearTextToOnnx(model), testIds: [] }, LABELS, { technique: 'linear-hashed-ngrams-tfidf' });
    const texts = PROBES.filter((t) => t !== ''); // serve refuses an empty text (400), predict too
    const r = await runVerde(['predict', '--model', modelDir, ...texts.flatMap((t) => ['--text', t]), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { label: string; probabilities: number[] }[];
    got.forEach((g, i) => g.probabilities.forEach((v, k) => assert.ok(Math.abs(v - expected[i]![k]!) < 1e-5, `predict text ${i}: ${v} vs ${expected[i]![k]}`)));
    assert.equal(got[0]!.label, 'spam');
    assert.equal(got[1]!.label, 'ham');

    const p = startServe(['--model', modelDir, '--host', '127.0.0.1', '--port', '0', '--workers', '1', '--max-queue-delay-ms', '1'], { ...process.env, VERDE_QUIET: '1' });
    try {
      const url = await p.url;
      const s = await postJson(`${url}/v1/models/text-linear:predict`, { instances: texts.map((text) => ({ text })) });
      assert.equal(s.status, 200, s.text);
      (s.body.predictions as { label: string; probabilities: number[] }[]).forEach((g, i) => {
        assert.equal(g.label, got[i]!.label);
        g.probabilities.forEach((v, k) => assert.ok(Math.abs(v - expected[i]![k]!) < 1e-5, `serve text ${i}: ${v} vs ${expected[i]![k]}`));
      });
    } finally {
      p.child.kill('SIGTERM');
      assert.equal(await p.exit, 0, p.stderr());
    }
  });
});
