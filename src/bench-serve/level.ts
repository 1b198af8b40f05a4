/**
 * One measured load level of bench-serve: a scenario (which server flags, which model, which request
 * bodies), the closed-loop load of wrk or autocannon against it between two scrapes of the server's
 * /metrics, and the energy figures those scrapes give (process J per request, batch J per instance,
 * mean batch size, with the meter's method).
 */
import autocannon from 'autocannon';
import { runWrk, type LoadResult } from './load-wrk.js';
import { methodOf, scrape, sumMatching } from './metrics-scrape.js';

export type LoadGenerator = 'wrk' | 'autocannon';

export interface Scenario {
  name: string;
  group: string;
  modelDir?: string;
  flags: string[];
  /** Which model name to call. */
  target: string;
  bodies: string[];
}

export function autocannonRun(url: string, sc: Scenario, connections: number, durationS: number, overallRate?: number): ReturnType<typeof autocannon> {
  let i = 0;
  const path = `/v1/models/${sc.target}:predict`;
  return autocannon({
    url,
    connections,
    duration: durationS,
    timeout: 30,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: sc.bodies[i++ % sc.bodies.length] }),
      },
    ],
  });
}

/** One closed-loop level with `gen`, between two scrapes of the server's /metrics. */
export async function runLevel(gen: LoadGenerator, url: string, sc: Scenario, connections: number, durationS: number): Promise<{ r: LoadResult; before: Map<string, number>; after: Map<string, number> }> {
  const before = await scrape(url);
  let r: LoadResult;
  if (gen === 'wrk') {
    r = await runWrk({ url, path: `/v1/models/${sc.target}:predict`, connections, durationS, bodies: sc.bodies, timeoutS: 30 });
  } else {
    const a = await autocannonRun(url, sc, connections, durationS);
    r = { ok: a['2xx'], non2xx: a.non2xx, errors: a.errors + a.timeouts, p50Ms: a.latency.p50, p99Ms: a.latency.p99, durationS: a.duration || durationS };
  }
  const after = await scrape(url);
  return { r, before, after };
}

export function energyFigures(before: Map<string, number>, after: Map<string, number>, ok: number, target: string) {
  const dProc = sumMatching(after, 'verde_process_energy_joules_total') - sumMatching(before, 'verde_process_energy_joules_total');
  const q = `model="${target}"`;
  const dBatch = sumMatching(after, 'verde_energy_joules_total', q) - sumMatching(before, 'verde_energy_joules_total', q);
  const dInst = sumMatching(after, 'verde_instances_total', q) - sumMatching(before, 'verde_instances_total', q);
  const dBatches = sumMatching(after, `verde_batch_size_count{${q}`) - sumMatching(before, `verde_batch_size_count{${q}`);
  const dBatchSum = sumMatching(after, `verde_batch_size_sum{${q}`) - sumMatching(before, `verde_batch_size_sum{${q}`);
  return {
    joulesPerRequest: ok > 0 ? dProc / ok : null,
    batchJoulesPerInstance: dInst > 0 ? dBatch / dInst : null,
    method: methodOf(after),
    meanBatchSize: dBatches > 0 ? dBatchSum / dBatches : null,
  };
}
