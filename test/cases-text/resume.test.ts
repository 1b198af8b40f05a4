/**
 * Kill and resume a real `verde text` child: SIGKILL once a mid-training checkpoint exists, then
 * `verde text --resume` with the same flags finishes from that checkpoint's step (not step 0) and
 * writes the usual results.json and model directories; the checkpoint is removed after success.
 * A resume without a checkpoint, or with other flags, is refused with one line and exit 2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reviewsCsv } from '../fixtures/reviews.js';

const MAIN = resolve('dist/src/cli/main.js');
let dir: string;
let args: string[];

function run(extra: string[], onSpawn?: (pid: number) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((ok, ko) => {
    const child = spawn(process.execPath, [MAIN, 'text', ...args, ...extra], { env: { ...process.env, VERDE_QUIET: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', ko);
    child.on('close', (code, signal) => ok({ code, signal, stderr }));
    onSpawn?.(child.pid!);
  });
}

async function progressStep(path: string): Promise<number | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')).progress.step as number;
  } catch {
    return null;
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verde-resume-'));
  await writeFile(join(dir, 'd.csv'), reviewsCsv(120));
  // 80 rows, batch 2: 40 steps per epoch, 3 epochs; a checkpoint every 3 steps
  args = ['--classes', 'transformer', '--data', join(dir, 'd.csv'), '--layers', '1', '--dim', '16', '--heads', '2', '--hidden-dim', '32', '--max-length', '16', '--train-size', '80', '--test-size', '20', '--epochs', '3', '--batch-size', '2', '--recovery-epochs', '1', '--threads', '1', '--checkpoint-every', '3', '--out', join(dir, 'out')];
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('--resume with no checkpoint is refused with one line, exit 2; a run failing on its data leaves no checkpoint', async () => {
  const bad = await run(['--data', join(dir, 'missing.csv')]);
  assert.equal(bad.code, 2, bad.stderr);
  await assert.rejects(stat(join(dir, 'out.checkpoint')));
  const r = await run(['--resume']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^verde: --resume: no checkpoint in .*out\.checkpoint/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('SIGKILL mid-training, then --resume: continues from the checkpointed step and writes the results', async () => {
  const progress = join(dir, 'out.checkpoint', 'train', 'progress.json');
  let killedAt = -1;
  const killed = await run([], (pid) => {
    const poll = setInterval(async () => {
      const step = await progressStep(progress);
      if (step !== null && step >= 6 && killedAt < 0) {
        killedAt = step;
        process.kill(pid, 'SIGKILL');
        clearInterval(poll);
      }
    }, 20);
  });
  assert.equal(killed.signal, 'SIGKILL', `the child was killed (stderr: ${killed.stderr})`);
  const checkpointed = (await progressStep(progress))!;
  assert.ok(checkpointed >= killedAt && checkpointed < 120, `a mid-training checkpoint remains (step ${checkpointed})`);
  await assert.rejects(stat(join(dir, 'out')), 'a killed run leaves no --out');

  const other = await run(['--resume', '--seed', '7']);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /^verde: --resume: the checkpoint in .* was made with --seed the default, this run has 7/);

  const resumed = await run(['--resume'], undefined);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resuming train from step ${checkpointed} `));
  const results = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8'));
  const trainStage = results.stages.find((s: { name: string }) => s.name === 'train');
  assert.equal(trainStage.detail.resumedFrom.step, checkpointed, 'started from the checkpointed step, not 0');
  assert.ok(trainStage.detail.steps > checkpointed, 'and trained on from there');
  assert.deepEqual(results.variants.map((v: { name: string }) => v.name), ['base', 'pruned-l1', 'pruned-structured', 'int8', 'pruned-structured-int8']);
  for (const v of results.variants) await stat(join(dir, 'out', 'models', v.name, 'model.onnx'));
  await assert.rejects(stat(join(dir, 'out.checkpoint')), 'the checkpoint is removed once the run succeeded');
});
