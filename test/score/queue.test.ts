/**
 * verde score --queue with real worker processes of the built CLI against a real redis-server:
 * one of three workers SIGKILLed mid-shard (its job is recovered as stalled and redone elsewhere;
 * every row is in the output exactly once); a model that no worker can load (the shards fail after
 * their retries, the producer names them and exits 1); an unreachable Redis (one line, exit 2).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../fixtures/cli.js';
import { freePort, hasRedis, startRedis, type RunningBinary } from '../fixtures/servers.js';
import { readParts, scoreFixture, verde, type ScoreFixture } from './helpers.js';

interface Proc {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function startVerde(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, VERDE_QUIET: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, log: () => out, exited };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopAll(procs: Proc[]): Promise<void> {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
}

test('redis unreachable: one line naming the URL and the connect timeout, exit 2', async () => {
  const f = await scoreFixture(200);
  try {
    const port = await freePort();
    const s = await verde(['score', '--model', f.model, '--data', f.csv, '--out', join(f.dir, 'out'), '--queue', `redis://127.0.0.1:${port}`]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, new RegExp(`^verde: --queue redis://127\\.0\\.0\\.1:${port}: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED; connect timeout 3 s\\)\\n$`));
    const w = await verde(['worker', '--queue', `redis://127.0.0.1:${port}`]);
    assert.equal(w.code, 2);
    assert.equal(w.stderr.trim().split('\n').length, 1);
  } finally {
    await rm(f.dir, { recursive: true, force: true });
  }
});

describe('verde score --queue with verde worker processes', { skip: hasRedis ? false : 'redis-server not installed (apt-get install redis-server)' }, () => {
  let redis: RunningBinary;
  let f: ScoreFixture;
  before(async () => {
    redis = await startRedis();
    f = await scoreFixture(3000);
  });
  after(async () => {
    await redis?.stop();
    await rm(f.dir, { recursive: true, force: true });
  });

  test('three workers, one SIGKILLed mid-shard: the shard is redone elsewhere, every row exactly once', async () => {
    const out = join(f.dir, 'out-kill');
    // Slow batches (test hook) so that a shard takes ~0.5 s and the kill surely lands inside one;
    // a 2 s lock so the killed worker's job is recovered quickly.
    const env = { VERDE_SCORE_BATCH_PAUSE_MS: '100' };
    const workers = [0, 1, 2].map(() => startVerde(['worker', '--queue', redis.url, '--lock-ms', '2000'], env));
    try {
      await until('three workers ready', () => workers.every((w) => /waiting for shards/.test(w.log())));
      const producer = startVerde(['score', '--model', f.model, '--data', f.csv, '--out', out, '--shard-rows', '500', '--batch-rows', '100', '--queue', redis.url, '--store', join(f.dir, 'runs.db')]);
      await until('a worker to start a shard', () => workers.some((w) => /shard \d+ \(rows [\d-]+\) started/.test(w.log())));
      const victim = workers.find((w) => /started/.test(w.log()))!;
      const victimShard = Number(/shard (\d+) \(rows/.exec(victim.log())![1]);
      victim.child.kill('SIGKILL');
      const code = await producer.exited;
      assert.equal(code, 0, producer.log());
      assert.doesNotMatch(victim.log(), new RegExp(`shard ${victimShard} done`), 'the victim died before finishing its shard');
      assert.match(producer.log(), /every one of 3000 rows is in the output exactly once/);
      const rows = (await readParts(out)).map((r) => r[0]);
      assert.deepEqual(rows, Array.from({ length: 3000 }, (_, i) => i + 1));
      assert.deepEqual((await readdir(out)).filter((n) => n.endsWith('.tmp')), [], 'no temporary part left');
      const report = JSON.parse(await readFile(join(out, 'score-report.json'), 'utf8')) as { workers: { worker: string; rows: number; energyJ: number; method: string }[]; energyJ: number };
      const victimId = `:${victim.child.pid}`;
      assert.ok(!report.workers.some((w) => w.worker.endsWith(victimId)), 'the killed worker is credited with no shard');
      assert.equal(report.workers.reduce((a, w) => a + w.rows, 0), 3000);
      assert.ok(report.workers.every((w) => /^(measured|modelled):/.test(w.method) && w.energyJ > 0));
      assert.ok(Math.abs(report.energyJ - report.workers.reduce((a, w) => a + w.energyJ, 0)) < 1e-9, 'the run\'s energy is the sum over workers');
      const redone = workers.filter((w) => w !== victim).some((w) => new RegExp(`shard ${victimShard} done`).test(w.log()));
      assert.ok(redone, 'another worker redid the killed worker\'s shard');
    } finally {
      await stopAll(workers);
    }
  });

  test('Ctrl-C on the producer withdraws its waiting shards (exit 130); the rerun resumes and completes', async () => {
    const out = join(f.dir, 'out-interrupt');
    const args = ['score', '--model', f.model, '--data', f.csv, '--out', out, '--shard-rows', '1000', '--queue', redis.url, '--store', join(f.dir, 'runs.db')];
    const producer = startVerde(args);
    const { Queue } = await import('bullmq');
    const { parseQueueUrl, QUEUE_NAME } = await import('../../src/score/queue-connection.js');
    const queue = new Queue(QUEUE_NAME, { connection: parseQueueUrl(redis.url) });
    try {
      await until('three shards queued', async () => (await queue.getWaitingCount()) === 3);
      producer.child.kill('SIGINT');
      assert.equal(await producer.exited, 130, producer.log());
      assert.match(producer.log(), /^verde: interrupted: 3 queued shard\(s\) withdrawn from verde-score; .*rerun the same command to resume\n$/m);
      assert.equal(await queue.getWaitingCount(), 0);
    } finally {
      await queue.close();
    }
    const worker = startVerde(['worker', '--queue', redis.url]);
    try {
      const again = await verde(args);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /3 of 3 shards scored .*\(resumed\)/);
      assert.deepEqual((await readParts(out)).map((r) => r[0]), Array.from({ length: 3000 }, (_, i) => i + 1));
    } finally {
      await stopAll([worker]);
    }
  });

  test('a model no worker can load: the shards fail after their retries, the producer names them and exits 1', async () => {
    const g = await scoreFixture(400, 11);
    try {
      const out = join(g.dir, 'out-bad');
      const producer = startVerde(['score', '--model', g.model, '--data', g.csv, '--out', out, '--shard-rows', '200', '--queue', redis.url, '--attempts', '2', '--backoff-ms', '100', '--store', join(g.dir, 'runs.db')]);
      // The producer checked the model and queued its shards; now the model file gets corrupted
      // (a broken shared volume), and only then does a worker start.
      await until('the plan', () => stat(join(out, 'score.json')).then(() => true, () => false));
      await truncate(join(g.model, 'model.onnx'), 100);
      const worker = startVerde(['worker', '--queue', redis.url]);
      try {
        const code = await producer.exited;
        assert.equal(code, 1, producer.log());
        assert.match(producer.log(), /shard 0 \(rows 1-200\) failed after 2 attempt\(s\): .*model/);
        assert.match(producer.log(), /shard 1 \(rows 201-400\) failed after 2 attempt\(s\)/);
        assert.match(producer.log(), /2 of 2 shards failed; rerun the same command to retry them/);
      } finally {
        await stopAll([worker]);
      }
    } finally {
      await rm(g.dir, { recursive: true, force: true });
    }
  });
});
