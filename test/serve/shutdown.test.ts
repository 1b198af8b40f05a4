/**
 * `verde serve` as a real child process: it starts from the CLI, and on SIGTERM stops accepting,
 * answers every request already queued, and exits 0. Bad flags are one-line errors, exit 2.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { postJson, startServe, suiteFixture } from './helpers.js';

describe('verde serve (child process)', () => {
  const fx = suiteFixture();

  it('drains queued batches on SIGTERM and exits 0', async () => {
    // A long batching delay: the requests are still queued when SIGTERM arrives.
    const p = startServe(['--model', fx.f.tabular, '--port', '0', '--max-batch-size', '64', '--max-queue-delay-ms', '10000']);
    const url = await p.url;
    const inflight = Array.from({ length: 5 }, (_, i) => postJson(`${url}/v1/models/fraud:predict`, { instances: [{ amount: i * 100, hour: 2, channel: 'web' }] }));
    // Wait until all five are queued (a fixed sleep raced the requests on a loaded machine).
    let queued = false;
    for (let t = 0; t < 200 && !queued; t++) {
      queued = /^verde_queue_depth\{model="fraud"\} 5$/m.test(await (await fetch(`${url}/metrics`)).text());
      if (!queued) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(queued, 'the five requests reached the queue');
    const t0 = performance.now();
    p.child.kill('SIGTERM');
    const replies = await Promise.all(inflight);
    for (const r of replies) assert.equal(r.status, 200, r.text);
    assert.ok(performance.now() - t0 < 8000, 'the queue was flushed at once, not after the 10 s batching delay');
    assert.equal(await p.exit, 0, p.stderr());
    assert.match(p.stderr(), /SIGTERM: draining/);
    await assert.rejects(fetch(`${url}/healthz`), 'no longer accepting connections');
  });

  it('takes --exit-threshold off and a threshold from the command line', async () => {
    for (const [flag, exits] of [['off', false], ['0.9', true]] as const) {
      const p = startServe(['--model', fx.f.textExit, '--port', '0', '--exit-threshold', flag, '--max-queue-delay-ms', '1']);
      const url = await p.url;
      try {
        const r = await postJson(`${url}/v1/models/text-exit:predict`, { instances: [{ text: 'free cash prize win now' }, { text: 'the a you' }] });
        assert.equal(r.status, 200, r.text);
        if (exits) assert.deepEqual(r.body.predictions.map((x: { exit: number }) => x.exit), [0, 2]);
        else assert.ok(r.body.predictions.every((x: object) => !('exit' in x)), `--exit-threshold off runs the whole model: ${r.text}`);
      } finally {
        p.child.kill('SIGTERM');
        assert.equal(await p.exit, 0);
      }
    }
  });

  it('rejects a bad flag with a one-line error naming it (exit 2)', async () => {
    const p = startServe(['--model', fx.f.tabular, '--max-batch-size', 'lots']);
    p.url.catch(() => undefined);
    assert.equal(await p.exit, 2);
    assert.match(p.stderr(), /^verde: --max-batch-size: expected a whole number/m);
  });

  it('rejects a directory that is not a model (exit 2)', async () => {
    const p = startServe(['--model', fx.f.root, '--port', '0']);
    p.url.catch(() => undefined);
    assert.equal(await p.exit, 2);
    assert.match(p.stderr(), /verde: .*verde\.json: not found/);
  });
});
