/**
 * Per-request energy adds up (issue 17 item 3): two models under concurrent load through the real
 * server (real ONNX Runtime workers, real HTTP on 127.0.0.1). The X-Energy-Joules every client saw,
 * plus the remainder /metrics reports (CPU outside the batches, memory held, GPU), equals the
 * process energy; concurrent batches are not each charged the same joules; a cascade row the small
 * model answered alone does not pay for the large one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../../src/serve/server.js';
import { closeFixture, serveFixture, postJson, request, type Fixture } from './helpers.js';
import { WorkerGroup } from '../../src/serve/worker-group.js';
import { CascadePredictor } from '../../src/serve/predictors.js';
import { parseTabularInstance } from '../../src/serve/instances.js';
import { readManifest } from '../../src/registry/manifest.js';

/** Run `n` calls of `one(i)` with at most `c` in flight. */
async function pool(n: number, c: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) await one(next++);
  }));
}

function sumMetric(text: string, prefix: string): number {
  return text.split('\n').filter((l) => l.startsWith(prefix)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('energy per request adds up to the process energy', () => {
  let f: Fixture;
  let s: RunningServer;
  before(async () => ({ f, s } = await serveFixture((f) => ({
    models: [f.text, f.tabular],
    cascades: [{ small: f.tabularSmall, large: f.tabular, name: 'fraud-cascade' }],
    port: 0,
    maxBatchSize: 8,
    maxQueueDelayMs: 5,
    cascadeThreshold: 0.85,
    cache: 'off',
    workers: 1,
  }))));
  after(() => closeFixture(s, f));

  it('two models at once: summed X-Energy-Joules + the reported remainder = process energy (within 5 %)', async () => {
    let headersJ = 0;
    const methods = new Set<string>();
    const take = (r: Awaited<ReturnType<typeof postJson>>) => {
      assert.equal(r.status, 200, r.text);
      headersJ += Number(r.headers.get('x-energy-joules'));
      methods.add(r.headers.get('x-energy-method') ?? '');
    };
    const words = ['free', 'money', 'meeting', 'tomorrow', 'winner', 'lunch', 'prize', 'report'];
    await Promise.all([
      pool(300, 12, async (i) => take(await postJson(`${s.url}/v1/models/text:predict`, { instances: [{ text: `${words[i % 8]} ${words[(i * 3) % 8]} number ${i} ${'and more words '.repeat(i % 7)}` }] }))),
      pool(300, 12, async (i) => take(await postJson(`${s.url}/v1/models/fraud:predict`, { instances: [{ amount: 1 + i, hour: i % 24, channel: ['web', 'pos', 'atm'][i % 3] }] }))),
    ]);
    const m = (await request(`${s.url}/metrics`)).text;
    const processJ = sumMetric(m, 'verde_process_energy_joules_total{');
    const part = (p: string) => sumMetric(m, `verde_process_energy_parts_joules_total{part="${p}"`);
    const remainderJ = part('cpu-outside-batches') + part('memory-held') + part('gpu-whole-device');
    const fig = `headers ${headersJ.toFixed(4)} J, batches part ${part('batches').toFixed(4)} J, remainder ${remainderJ.toFixed(4)} J, process ${processJ.toFixed(4)} J`;
    assert.ok(headersJ > 0 && processJ > 0, fig);
    assert.ok(Math.abs(headersJ + remainderJ - processJ) <= 0.05 * processJ, fig);
    // What the clients were charged is what the server says it charged to batches, and it fits
    // inside the process's CPU energy (batches of both models ran at the same time).
    assert.ok(Math.abs(headersJ - part('batches')) <= 0.01 * part('batches'), fig);
    assert.ok(part('cpu-outside-batches') >= 0, fig);
    assert.equal(methods.size, 1, [...methods].join(' | '));
    assert.match([...methods][0]!, /^(modelled:tdp|measured:rapl), attributed by CPU time$/);
    console.log(`# ${fig}`);
  });

  it('a cascade charges each row the models it went through: small-answered rows do not pay for the large model', async () => {
    const small = new WorkerGroup(f.tabularSmall, await readManifest(f.tabularSmall), 1, 1, null);
    const large = new WorkerGroup(f.tabular, await readManifest(f.tabular), 1, 1, null);
    const cascade = new CascadePredictor(small, large, 0.85);
    try {
      await cascade.ready;
      // Rows 0 and 2 are ones the small model is sure of, row 1 is not (as in server.test.ts).
      const rows = (k: number) => [[500 + k, 3, 'web'], [200 + k, 12, 'atm'], [1 + k, 2, 'web']] as const;
      const m = await readManifest(f.tabular);
      const enc = (r: readonly [number, number, string]) => parseTabularInstance({ amount: r[0], hour: r[1], channel: r[2] }, 0, m).input as { features: Float32Array };
      let smallCpu = 0;
      let largeCpu = 0;
      for (let k = 0; k < 20; k++) {
        const out = await cascade.run({ kind: 'tabular', features: rows(k).map((r) => enc(r).features) });
        assert.deepEqual(out.map((a) => a.answeredBy), ['small', 'large', 'small']);
        // In one batch: the large-answered row paid its share of the small model's pass and the whole large pass.
        assert.ok(out[1]!.cpuS! > out[0]!.cpuS! && out[1]!.cpuS! > out[2]!.cpuS!, JSON.stringify(out.map((a) => a.cpuS)));
        smallCpu += out[0]!.cpuS! + out[2]!.cpuS!;
        largeCpu += out[1]!.cpuS!;
      }
      assert.ok(largeCpu > smallCpu / 2, `large-answered row ${largeCpu} CPU-s vs two small-answered rows ${smallCpu}`);
    } finally {
      await cascade.close();
    }
  });
});
