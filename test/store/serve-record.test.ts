/** A real `verde serve` child records its session in the store when it shuts down. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson, suiteFixture } from '../serve/helpers.js';
import { openStore, listRuns, getRun } from '../../src/store/index.js';
import { CLI } from './helpers.js';

describe('verde serve in the run store', () => {
  const fx = suiteFixture();

  it('at shutdown: one complete serve run with each model\'s inferences and their energy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verde-serve-store-'));
    try {
      const store = join(dir, 'runs.db');
      const child = spawn(process.execPath, [CLI, 'serve', '--model', fx.f.tabular, '--port', '0', '--store', store], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(err)));
      });
      const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
      for (let i = 0; i < 3; i++) {
        const r = await postJson(`${url}/v1/models/fraud:predict`, { instances: [{ amount: 100 + i, hour: 2, channel: 'web' }] });
        assert.equal(r.status, 200, r.text);
      }
      child.kill('SIGTERM');
      assert.equal(await exit, 0, err);
      assert.match(err, /verde: run .* recorded in .*runs\.db/);
      const db = openStore(store, { create: false });
      const runs = listRuns(db);
      assert.equal(runs.length, 1);
      const run = getRun(db, runs[0]!.id);
      db.close();
      assert.equal(run.command, 'serve');
      assert.equal(run.status, 'complete');
      const v = run.variants.find((x) => x.name === 'fraud')!;
      assert.equal(v.inferences, 3);
      assert.ok(v.energyJ! > 0 && v.energyJPerInference! > 0, JSON.stringify(v));
      assert.match(v.energyMethod, /modelled|measured/);
      assert.equal(run.phases[0]!.phase, 'serving');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
