/**
 * --push on verde score and verde measure against a real prometheus-pushgateway: the job's
 * metrics are read back from the Pushgateway's own /metrics (energy as *_joules_total with
 * component and method labels); a Pushgateway that is down costs one line, not the job's results.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, hasPushgateway, hasRedis, startPushgateway, startRedis, type RunningBinary } from '../fixtures/servers.js';
import { scoreFixture, verde, type ScoreFixture } from './helpers.js';

async function gatewayMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

describe('--push to a Prometheus Pushgateway', { skip: hasPushgateway ? false : 'prometheus-pushgateway not installed (apt-get install prometheus-pushgateway)' }, () => {
  let gw: RunningBinary;
  let f: ScoreFixture;
  before(async () => {
    gw = await startPushgateway();
    f = await scoreFixture(1000);
  });
  after(async () => {
    await gw?.stop();
    await rm(f.dir, { recursive: true, force: true });
  });

  test('verde score --push: energy, rows and J per 1,000 rows read back under the job name', async () => {
    const s = await verde(['score', '--model', f.model, '--data', f.csv, '--out', join(f.dir, 'out'), '--push', gw.url, '--push-job', 'nightly_scoring', '--store', join(f.dir, 'runs.db')]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, new RegExp(`pushed metrics to ${gw.url}/metrics/job/nightly_scoring`));
    const m = await gatewayMetrics(gw.url);
    assert.match(m, /verde_energy_joules_total\{component="cpu",instance="",job="nightly_scoring",method="(measured|modelled):[^"]+",project="verde"\} [\d.e+-]+/);
    assert.match(m, /verde_score_rows_total\{instance="",job="nightly_scoring",model="score-gbdt"\} 1000\b/);
    assert.match(m, /verde_score_joules_per_1000_rows\{instance="",job="nightly_scoring",method="[^"]+",model="score-gbdt"\} [\d.e+-]+/);
  });

  test('verde worker --push: at exit, its shards\' energy and rows under job verde_worker, instance HOST:PID', { skip: hasRedis ? false : 'redis-server not installed' }, async () => {
    const redis = await startRedis();
    try {
      const { spawn } = await import('node:child_process');
      const { CLI } = await import('../fixtures/cli.js');
      const worker = spawn(process.execPath, [CLI, 'worker', '--queue', redis.url, '--idle-exit', '2', '--push', gw.url], { env: { ...process.env, VERDE_QUIET: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | null>((r) => worker.once('exit', r));
      const s = await verde(['score', '--model', f.model, '--data', f.csv, '--out', join(f.dir, 'out-q'), '--shard-rows', '500', '--queue', redis.url, '--store', join(f.dir, 'runs.db')]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(await exited, 0, log);
      assert.match(log, /verde worker: pushed metrics to .*\/metrics\/job\/verde_worker\/instance\//);
      const m = await gatewayMetrics(gw.url);
      const inst = `[^"]+:${worker.pid}`;
      assert.match(m, new RegExp(`verde_score_energy_joules_total\\{component="total",instance="${inst}",job="verde_worker",method="(measured|modelled):[^"]+",worker="${inst}"\\} [\\d.e+-]+`));
      assert.match(m, new RegExp(`verde_score_worker_rows_total\\{instance="${inst}",job="verde_worker",worker="${inst}"\\} 1000\\b`));
    } finally {
      await redis.stop();
    }
  });

  test('verde measure --push: the measured command\'s metrics read back', async () => {
    const s = await verde(['measure', '--out', join(f.dir, 'energy'), '--interval', '200ms', '--push', gw.url, '--store', join(f.dir, 'runs.db'), '--', process.execPath, '-e', 'let x=0; for (let i=0;i<2e7;i++) x+=i;']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /verde measure: pushed metrics to .*\/metrics\/job\/verde_measure/);
    const m = await gatewayMetrics(gw.url);
    assert.match(m, /verde_energy_joules_total\{component="cpu",instance="",job="verde_measure",method="[^"]+",project="verde"\} [\d.e+-]+/);
    assert.match(m, /verde_duration_seconds\{instance="",job="verde_measure",project="verde"\} [\d.e+-]+/);
  });
});

test('a Pushgateway that is down: the job\'s results are written, one line says the push failed', async () => {
  const g = await scoreFixture(300, 5);
  try {
    const port = await freePort();
    const out = join(g.dir, 'out');
    const s = await verde(['score', '--model', g.model, '--data', g.csv, '--out', out, '--push', `http://127.0.0.1:${port}`, '--store', join(g.dir, 'runs.db')]);
    assert.equal(s.code, 0, s.stderr);
    const lines = s.stderr.split('\n').filter((l) => /push/i.test(l));
    assert.equal(lines.length, 1, s.stderr);
    assert.match(lines[0]!, new RegExp(`warning: push to the Pushgateway failed \\(http://127\\.0\\.0\\.1:${port}/metrics/job/verde_score: ECONNREFUSED\\); the job's own results are written`));
    assert.ok((await readdir(out)).includes('part-00000.parquet'));
    const m = await verde(['measure', '--out', join(g.dir, 'energy'), '--push', `http://127.0.0.1:${port}`, '--store', join(g.dir, 'runs.db'), '--', process.execPath, '-e', '1']);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stderr, /push to the Pushgateway failed .*ECONNREFUSED/);
    assert.ok((await readdir(join(g.dir, 'energy'))).includes('metrics.prom'));
  } finally {
    await rm(g.dir, { recursive: true, force: true });
  }
});
