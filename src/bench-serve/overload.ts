/**
 * bench-serve's overload run: 10x the measured capacity (autocannon: open loop; wrk: paced
 * connections, see load-wrk.ts) against a fresh `verde serve` whose queue is bounded at a few batches,
 * so an admitted request waits at most about 4 batch times. It reports what was shed with 429 (the
 * server's own count), the admitted p99 from the server's latency histogram, and whether /healthz
 * still answers afterwards.
 */
import type { ModelManifest } from '../registry/manifest.js';
import { requestBodies } from './bench-inputs.js';
import { runWrk } from './load-wrk.js';
import { histogramQuantile, scrape, sumMatching } from './metrics-scrape.js';
import { autocannonRun, runLevel, type LoadGenerator, type Scenario } from './level.js';
import { startServeProcess } from './serve-process.js';
import { fmt } from './format.js';
import type { BenchOptions, OverloadResult } from './options.js';

export async function runOverload(o: BenchOptions, m: ModelManifest, gen: LoadGenerator, capacity: number, log: (line: string) => void): Promise<OverloadResult> {
  // The same connections for wrk (paced, see load-wrk.ts) as for autocannon. On two shared cores
  // neither client sends the full 10x (wrk sent about 7,500 of 15,000-16,000 req/s asked); 1,024
  // wrk connections sent 8,700-10,400 but the admitted p99 rose from 150-245 ms to 250-730 ms:
  // the server's event loop then walks four times the sockets per turn, and each batch waits a turn.
  const conns = Math.min(256, 4 * Math.max(...o.concurrency));
  const server = await startServeProcess(['--model', o.model, '--workers', String(o.workers), '--threads', String(o.threads), '--max-batch-size', String(o.maxBatchSize), '--max-queue-delay-ms', String(o.maxQueueDelayMs), '--max-queue', String(4 * o.maxBatchSize), '--cache', 'off', '--exit-threshold', 'off']);
  try {
    const sc: Scenario = { name: 'overload', group: 'overload', flags: [], target: m.name, bodies: requestBodies(m, 5000, 5) };
    const rate = Math.round(10 * capacity);
    // Warm-up at the closed-loop level first, as every scenario server gets: the first batches
    // of a fresh server pay for session initialisation and JIT, which is not overload.
    await runLevel(gen, server.url, sc, Math.max(...o.concurrency), Math.min(2, o.durationS));
    const before = await scrape(server.url);
    let sent: number, ok: number, non2xx: number, errors: number, seconds: number;
    if (gen === 'wrk') {
      const w = await runWrk({ url: server.url, path: `/v1/models/${m.name}:predict`, connections: conns, durationS: o.durationS, bodies: sc.bodies, timeoutS: 30, ratePerS: rate });
      ({ sent, ok, non2xx, errors } = w);
      seconds = w.durationS || o.durationS;
    } else {
      const r = await autocannonRun(server.url, sc, conns, o.durationS, rate);
      sent = r.requests.sent;
      ok = r['2xx'];
      non2xx = r.non2xx;
      errors = r.errors + r.timeouts;
      seconds = r.duration || o.durationS;
    }
    const after = await scrape(server.url);
    // The 429 count is the server's own (verde_requests_total{code="429"}): wrk counts only non-2xx.
    const shed = sumMatching(after, 'verde_requests_total', 'code="429"') - sumMatching(before, 'verde_requests_total', 'code="429"');
    // Admitted p99 over this run only (the histogram between the two scrapes, not the summary's
    // last 10,000, which would mix in the warm-up).
    const p99 = histogramQuantile(before, after, 'verde_request_duration_seconds', `model="${m.name}"`, 0.99);
    const healthy = (await fetch(`${server.url}/healthz`).then((x) => x.status).catch(() => 0)) === 200;
    const overload: OverloadResult = {
      generator: gen,
      offeredPerS: rate,
      sentPerS: sent / seconds,
      connections: conns,
      okPerS: ok / seconds,
      shed429: shed,
      otherErrors: errors + Math.max(0, non2xx - shed),
      admittedP99Ms: p99 === null ? null : p99 * 1000,
      healthyAfter: healthy,
    };
    log(
      `overload (${gen}): offered ${overload.offeredPerS} req/s over ${conns} connections (sent ${fmt(overload.sentPerS, 0)} req/s) -> answered ${fmt(overload.okPerS)} req/s, shed ${overload.shed429} with 429, ` +
        `other errors ${overload.otherErrors}, admitted p99 ${fmt(overload.admittedP99Ms)} ms (server-side histogram), healthy after: ${healthy}`,
    );
    return overload;
  } finally {
    await server.stop();
  }
}
