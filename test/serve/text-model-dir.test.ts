/**
 * A model directory written by a real `verde text --early-exit` run (tiny DistilBERT, trained here),
 * served by a real `verde serve` child process, answers what `verde predict` answers on the same
 * texts: labels equal, probabilities within 1e-5. Served three ways: the whole model.onnx
 * (--exit-threshold off), stage by stage with every row carried through every exit stage
 * (--exit-threshold 1: the hidden states handed from stage to stage must give the full model's
 * answer), and at the model's own threshold (rows that exit early leave the batch; the rest go on).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, postJson, startServe } from './helpers.js';
import { reviewsCsv } from '../fixtures/reviews.js';

const ENV = { ...process.env, VERDE_QUIET: '1' };


/** Confident, ambiguous and out-of-vocabulary texts, so that some rows may exit early and some may not. */
const TEXTS = [
  'the movie was great good love',
  'the movie was awful boring hate',
  'wonderful',
  'poor',
  'the movie was',
  'good bad good bad',
  'a quiet evening with zebra xylophones',
  'love love love love love love love love',
  'boring poor awful bad hate boring',
  'fine but boring',
];

interface Answer { label: string; probabilities: number[]; exit?: number }

async function served(modelDir: string, name: string, exitThreshold: string): Promise<Answer[]> {
  const p = startServe(['--model', modelDir, '--port', '0', '--exit-threshold', exitThreshold, '--max-queue-delay-ms', '1', '--workers', '1'], ENV);
  try {
    const url = await p.url;
    // One request with every text: rows leave the batch at different stages.
    const r = await postJson(`${url}/v1/models/${name}:predict`, { instances: TEXTS.map((text) => ({ text })) });
    assert.equal(r.status, 200, r.text);
    return r.body.predictions as Answer[];
  } finally {
    p.child.kill('SIGTERM');
    assert.equal(await p.exit, 0, p.stderr());
  }
}

function assertSame(got: Answer, want: Answer, what: string): void {
  assert.equal(got.label, want.label, `${what}: label`);
  assert.equal(got.probabilities.length, want.probabilities.length, `${what}: labels`);
  got.probabilities.forEach((p, j) => assert.ok(Math.abs(p - want.probabilities[j]!) <= 1e-5, `${what}: probability ${j} ${p} vs ${want.probabilities[j]} from verde predict`));
}

describe('a verde text --early-exit model directory served by verde serve answers like verde predict', () => {
  let dir: string;
  let modelDir: string;
  let name: string;
  let stages: number;
  let threshold: number | null;
  let expected: Answer[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'verde-serve-text-'));
    const csv = join(dir, 'reviews.csv');
    writeFileSync(csv, reviewsCsv(200));
    const out = join(dir, 'out');
    const t = spawnSync(process.execPath, [CLI, 'text', '--classes', 'transformer', '--data', csv, '--layers', '2', '--dim', '16', '--heads', '2', '--hidden-dim', '32', '--max-length', '32',
      '--train-size', '150', '--test-size', '40', '--epochs', '3', '--lr', '1e-2', '--recovery-epochs', '0', '--early-exit', '--out', out], { encoding: 'utf8', env: ENV, timeout: 240_000 });
    assert.equal(t.status, 0, t.stderr);
    modelDir = join(out, 'models', 'base');
    const manifest = JSON.parse(readFileSync(join(modelDir, 'verde.json'), 'utf8'));
    name = manifest.name;
    stages = manifest.earlyExit.stages.length;
    threshold = manifest.earlyExit.threshold;
    assert.ok(stages >= 2, `verde text --early-exit wrote ${stages} stages`);
    const args = ['predict', '--model', modelDir, '--json', ...TEXTS.flatMap((x) => ['--text', x])];
    const pr = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV, timeout: 60_000 });
    assert.equal(pr.status, 0, pr.stderr);
    expected = JSON.parse(pr.stdout) as Answer[];
    assert.equal(expected.length, TEXTS.length);
    // The model learnt the word lists: a test that compares two broken answers would prove little.
    assert.equal(expected[0]!.label, 'pos');
    assert.equal(expected[1]!.label, 'neg');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('whole model (--exit-threshold off): every answer equals verde predict', async () => {
    const got = await served(modelDir, name, 'off');
    got.forEach((g, i) => {
      assert.equal(g.exit, undefined, 'no exit stage answers with early exit off');
      assertSame(g, expected[i]!, JSON.stringify(TEXTS[i]));
    });
  });

  it('every row through every stage (--exit-threshold 1): the handed-on hidden states give the full model\'s answers', async () => {
    const got = await served(modelDir, name, '1');
    const throughAll = got.filter((g) => g.exit === stages - 1).length;
    // Only a softmax of exactly 1.0 in float32 may leave early at threshold 1.
    assert.ok(throughAll >= TEXTS.length - 2, `${throughAll} of ${TEXTS.length} rows went through all ${stages} stages`);
    got.forEach((g, i) => {
      if (g.exit === stages - 1) assertSame(g, expected[i]!, JSON.stringify(TEXTS[i]));
      else assert.equal(Math.max(...g.probabilities), 1, 'an early answer at threshold 1 is certain');
    });
  });

  it('at the model\'s own threshold: rows that reach the last stage answer like verde predict, early ones clear the threshold', async (t) => {
    if (threshold === null) {
      t.skip('verde text chose no early-exit threshold on this run (early exit off)');
      return;
    }
    const got = await served(modelDir, name, String(threshold));
    t.diagnostic(`threshold ${threshold}: answers per exit ${JSON.stringify(Array.from({ length: stages }, (_, k) => got.filter((g) => g.exit === k).length))}`);
    for (const [i, g] of got.entries()) {
      assert.ok(g.exit !== undefined && g.exit >= 0 && g.exit < stages, `exit ${g.exit}`);
      if (g.exit === stages - 1) assertSame(g, expected[i]!, JSON.stringify(TEXTS[i]));
      else assert.ok(Math.max(...g.probabilities) >= threshold, `${JSON.stringify(TEXTS[i])} left at exit ${g.exit} below the threshold ${threshold}`);
    }
  });
});
