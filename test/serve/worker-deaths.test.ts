/**
 * Inference workers that die (issue 12, items 2 and 3), against real workers and real processes:
 * - `verde serve` on a corrupt model.onnx (truncated, random bytes) with several workers exits 2
 *   with one line, every time: it used to abort in native code (exit 134) when one worker was
 *   terminated while another was still failing to load the model;
 * - a worker killed over and over never leaves its model failing while another worker lives: batches
 *   run on live workers, a lost shard is retried once elsewhere, dead workers come back (backoff,
 *   no limit), and /readyz answers 503 naming the model only while no worker of it lives.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { restartDelayMs, type ModelWorker } from '../../src/serve/model-worker.js';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import type { WorkerGroup } from '../../src/serve/worker-group.js';
import { mulberry32 } from '../../src/util/random.js';
import { postJson, request, suiteFixture } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function serveOnce(dir: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--model', dir, '--port', '0', '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

describe('verde serve on a corrupt model.onnx', () => {
  const fx = suiteFixture();

  it('exits 2 with one line, 20 starts out of 20, with two workers', { timeout: 240_000 }, async () => {
    const truncated = join(fx.f.root, 'truncated');
    const random = join(fx.f.root, 'random');
    await cp(fx.f.tabular, truncated, { recursive: true });
    await cp(fx.f.text, random, { recursive: true });
    const onnx = await readFile(join(truncated, 'model.onnx'));
    await writeFile(join(truncated, 'model.onnx'), onnx.subarray(0, Math.floor(onnx.length / 2)));
    const rand = mulberry32(7);
    await writeFile(join(random, 'model.onnx'), Uint8Array.from({ length: 4096 }, () => Math.floor(rand() * 256)));
    const dirs = Array.from({ length: 20 }, (_, i) => (i % 2 ? random : truncated));
    const results: Array<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> = [];
    // Four at a time: the race needs workers loading side by side, not an idle machine.
    for (let i = 0; i < dirs.length; i += 4) results.push(...(await Promise.all(dirs.slice(i, i + 4).map(serveOnce))));
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 2, `start ${i + 1} (${dirs[i]}): exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `start ${i + 1}: ${r.stderr}`);
      assert.match(lines[0]!, /^verde: .*model\.onnx/);
      assert.doesNotMatch(r.stderr, /terminate called|Napi::Error/);
    }
  });
});

describe('restart backoff', () => {
  it('doubles from 100 ms per death in the last minute, up to 30 s, and never stops', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(restartDelayMs), [100, 200, 400, 800, 1600]);
    assert.equal(restartDelayMs(50), 30_000);
  });
});

describe('a model whose workers keep dying', () => {
  const fx = suiteFixture();
  let s: RunningServer;
  let members: ModelWorker[];

  const faultsBefore = process.env.VERDE_SERVE_TEST_FAULTS;
  before(async () => {
    process.env.VERDE_SERVE_TEST_FAULTS = 'die'; // read by the workers, which share this process's env
    await mkdir(fx.f.root, { recursive: true });
    s = await createServer({ models: [fx.f.tabular], port: 0, workers: 2, cache: 'off', maxQueue: 4096 });
    members = (s.models[0]!.predictor as unknown as { worker: WorkerGroup }).worker['members'] as ModelWorker[];
  });
  after(async () => {
    await s?.close();
    if (faultsBefore === undefined) delete process.env.VERDE_SERVE_TEST_FAULTS;
    else process.env.VERDE_SERVE_TEST_FAULTS = faultsBefore;
  });

  /**
   * Kill a worker: it throws, uncaught, holding the batches it has not answered (a crash in the
   * thread), and this resolves when its thread has exited. Not terminate() from outside: landing
   * while ONNX Runtime's run is on the worker's stack, that aborts the whole process in
   * onnxruntime-node (a C++ Napi::Error; see DieRequest in src/serve/protocol.ts).
   */
  const kill = (w: ModelWorker) => {
    const worker = (w as unknown as { worker: Worker }).worker;
    const exited = new Promise((resolve) => worker.once('exit', resolve)); // events.once would reject on the thread's 'error'
    worker.postMessage({ type: 'die' });
    return exited;
  };
  const until = async (cond: () => boolean, what: string) => {
    for (let t = 0; t < 600 && !cond(); t++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(cond(), what);
  };

  it('keeps answering while a worker lives: 10 kills in well under a minute, no failed request', { timeout: 120_000 }, async () => {
    const instances = Array.from({ length: 48 }, (_, i) => ({ amount: i * 37, hour: i % 24, channel: 'web' }));
    const failures: string[] = [];
    let answered = 0;
    let stop = false;
    // Four clients sending batches big enough to be split across both workers, so kills land on
    // shards in flight (the lost shard is run again on the other worker).
    const clients = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await postJson(`${s.url}/v1/models/fraud:predict`, { instances });
        if (r.status === 200 && r.body.predictions.length === instances.length) answered++;
        else failures.push(`${r.status} ${r.text.slice(0, 200)}`);
      }
    });
    const readiness: number[] = [];
    const t0 = performance.now();
    for (let k = 0; k < 10; k++) {
      const victim = members[k % 2]!;
      const other = members[(k + 1) % 2]!;
      await until(() => victim.live && other.live, `both workers live before kill ${k + 1}`);
      await new Promise((r) => setTimeout(r, 20));
      await kill(victim);
      readiness.push((await request(`${s.url}/readyz`)).status);
    }
    const seconds = (performance.now() - t0) / 1000;
    await until(() => members.every((m) => m.live), 'both workers back after the last kill');
    stop = true;
    await Promise.all(clients);
    assert.ok(seconds < 60, `10 kills took ${seconds.toFixed(1)} s`);
    assert.deepEqual(failures, [], `failed requests while a worker lived (${answered} answered)`);
    assert.ok(answered > 10, `${answered} requests answered`);
    assert.deepEqual(readiness, new Array(10).fill(200), '/readyz stays 200 while a worker lives');
  });

  it('answers 503 and /readyz names the model while no worker lives, then recovers', { timeout: 120_000 }, async () => {
    await until(() => members.every((m) => m.live), 'both workers live');
    await Promise.all(members.map(kill));
    const ready = await request(`${s.url}/readyz`);
    assert.equal(ready.status, 503, ready.text);
    assert.deepEqual(ready.body.unavailable, ['fraud']);
    await until(() => members.some((m) => m.live), 'a worker came back');
    const r = await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 5, hour: 1, channel: 'web' }] });
    assert.equal(r.status, 200, r.text);
    assert.equal((await request(`${s.url}/readyz`)).status, 200);
  });
});
