/**
 * The bench's wrk driver (skipped where wrk is not installed: the bench falls back to autocannon
 * there, and CI needs neither): it must count answers and errors, and pacing must hold the rate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWrk, wrkAvailable } from '../../src/bench-serve/load-wrk.js';
import type { RunningServer } from '../../src/serve/server.js';
import { closeFixture, serveFixture, type Fixture } from './helpers.js';

const hasWrk = wrkAvailable();

describe('bench-serve load generator: wrk', { skip: hasWrk ? false : 'wrk is not on PATH' }, () => {
  let f: Fixture;
  let s: RunningServer;
  const bodies = [1, 2, 3].map((i) => JSON.stringify({ instances: [{ amount: i, hour: 1, channel: 'web' }] }));
  before(async () => ({ f, s } = await serveFixture((f) => ({ models: [f.tabular], port: 0, cache: 'off' }))));
  after(() => closeFixture(s, f));

  it('counts answered requests, non-2xx and latency', async () => {
    const ok = await runWrk({ url: s.url, path: '/v1/models/fraud:predict', connections: 2, durationS: 1, bodies, timeoutS: 5 });
    assert.ok(ok.ok > 10, `answered ${ok.ok}`);
    assert.equal(ok.non2xx, 0);
    assert.equal(ok.errors, 0);
    assert.ok(ok.p99Ms > 0 && ok.p99Ms >= ok.p50Ms);
    const bad = await runWrk({ url: s.url, path: '/v1/models/nope:predict', connections: 1, durationS: 1, bodies, timeoutS: 5 });
    assert.equal(bad.ok, 0);
    assert.ok(bad.non2xx > 0, 'the 404s are counted as non-2xx');
  });

  it('paces connections to the requested rate', async () => {
    const r = await runWrk({ url: s.url, path: '/v1/models/fraud:predict', connections: 2, durationS: 1, bodies, timeoutS: 5, ratePerS: 20 });
    assert.ok(r.sent > 0 && r.sent <= 40, `sent ${r.sent} at a pace of 20/s for 1 s`);
  });
});
