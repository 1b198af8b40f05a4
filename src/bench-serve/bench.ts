/**
 * `verde bench-serve`: wrk (or autocannon where wrk is missing; see load-wrk.ts) against `verde serve`
 * on 127.0.0.1 (started here, one child process per scenario, so each server's meter sees only its
 * own work) or against a given --url.
 * At rising concurrency it prints throughput, p50/p99 latency and joules per request for batch-1
 * vs dynamic batching, cache off/on, early exit off/on, cascade off/on; then overload at 10x the
 * measured capacity (shed with 429, admitted p99 from the server's latency histogram). Every energy
 * figure carries its method; J/request is the server process's energy (HTTP handling included)
 * divided by the requests it answered.
 */
import { resolve } from 'node:path';
import { readManifest, type ModelManifest } from '../registry/manifest.js';
import { UserError } from '../util/errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { requestBodies } from './bench-inputs.js';
import { wrkAvailable } from './load-wrk.js';
import { energyFigures, runLevel, type LoadGenerator, type Scenario } from './level.js';
import { runOverload } from './overload.js';
import { scenarios } from './scenarios.js';
import { startServeProcess } from './serve-process.js';
import { fmt } from './format.js';
import type { BenchOptions, LevelResult, OverloadResult } from './options.js';

export type { LoadGenerator } from './level.js';
export type { BenchOptions, LevelResult, OverloadResult } from './options.js';
export { startServeProcess } from './serve-process.js';

export async function runBench(o: BenchOptions): Promise<{ levels: LevelResult[]; overload: OverloadResult | null; summary: Record<string, unknown> }> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const levels: LevelResult[] = [];
  const header = 'scenario                         conc   req/s   p50 ms   p99 ms  non2xx   J/req(process)  J/inst(batches)  mean batch  method';
  let overload: OverloadResult | null = null;
  const wanted0 = o.loadGenerator ?? 'auto';
  const gen: LoadGenerator = wanted0 === 'auto' ? (wrkAvailable() ? 'wrk' : 'autocannon') : wanted0;
  if (gen === 'wrk' && wanted0 === 'wrk' && !wrkAvailable()) throw new UserError('--load-generator wrk: no wrk on PATH (install it, e.g. apt-get install wrk, or use autocannon)');
  log(`load generator: ${gen}${gen === 'autocannon' && wanted0 === 'auto' ? ' (no wrk on PATH)' : ''}`);

  if (o.url) {
    // A server someone else started: load only, its configuration is theirs.
    const models = (await (await fetch(`${o.url}/v1/models`)).json()) as { models: Array<{ name: string }> };
    const target = models.models[0]?.name;
    if (!target) throw new UserError(`--url ${o.url}: GET /v1/models lists no model`);
    const m = await readManifest(resolve(o.model)).catch(() => null);
    const bodies = m ? requestBodies(m, 5000, 1) : [JSON.stringify({ instances: [{ text: 'free cash prize' }] })];
    log(header);
    for (const c of o.concurrency) levels.push(await measureLevel(o.url, { name: 'given server', group: 'given', flags: [], target, bodies }, c));
    await writeJsonAtomic(o.out, { options: { ...o, log: undefined }, loadGenerator: gen, levels, summary: {}, createdAt: new Date().toISOString() });
    log(`results: ${o.out}`);
    return { levels, overload, summary: {} };
  }

  const m = await readManifest(resolve(o.model));
  const exitM = o.exitModel ? await readManifest(resolve(o.exitModel)) : null;
  if (exitM && !exitM.earlyExit?.stages.length) throw new UserError(`--exit-model ${o.exitModel}: verde.json has no earlyExit stages`);
  const smallM = o.small ? await readManifest(resolve(o.small)) : null;
  const largeM = o.large ? await readManifest(resolve(o.large)) : null;
  log(header);

  function logLevel(res: LevelResult): void {
    log(
      `${res.scenario.padEnd(32)} ${String(res.concurrency).padStart(4)} ${fmt(res.requestsPerS).padStart(7)} ${fmt(res.p50Ms).padStart(8)} ${fmt(res.p99Ms).padStart(8)} ${String(res.non2xx + res.errors).padStart(7)} ${fmt(res.joulesPerRequest, 4).padStart(16)} ${fmt(res.batchJoulesPerInstance, 4).padStart(16)} ${fmt(res.meanBatchSize, 2).padStart(11)}  ${res.method}`,
    );
  }

  async function measureLevel(url: string, sc: Scenario, c: number): Promise<LevelResult> {
    const { r, before, after } = await runLevel(gen, url, sc, c, o.durationS);
    const e = energyFigures(before, after, r.ok, sc.target);
    const res: LevelResult = {
      scenario: sc.name,
      concurrency: c,
      requestsPerS: r.ok / (r.durationS || o.durationS),
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      ok: r.ok,
      non2xx: r.non2xx,
      errors: r.errors,
      ...e,
    };
    logLevel(res);
    return res;
  }

  const wanted = (group: string) => !o.only || o.only.includes(group.replace(' ', '-'));
  // All scenario servers run side by side (idle ones cost next to nothing), and with --repeat the
  // rounds interleave them (A B A B ...), so a change in the machine's background load hits every
  // scenario alike; the figures reported are the medians over the rounds.
  const chosen = scenarios(o, m, exitM, smallM).filter((x) => wanted(x.group));
  const servers: Array<Awaited<ReturnType<typeof startServeProcess>>> = [];
  const raw: LevelResult[] = [];
  try {
    for (const sc of chosen) {
      if (sc.target === '' && largeM) sc.target = largeM.name;
      servers.push(await startServeProcess([...(sc.modelDir ? ['--model', sc.modelDir] : []), ...sc.flags]));
    }
    // Warm-up: the first batches pay for session initialisation and JIT.
    for (const [i, sc] of chosen.entries()) await runLevel(gen, servers[i]!.url, sc, Math.max(...o.concurrency), Math.min(2, o.durationS));
    for (let round = 0; round < o.repeat; round++) {
      if (o.repeat > 1) log(`-- round ${round + 1} of ${o.repeat}`);
      for (const [i, sc] of chosen.entries()) for (const c of o.concurrency) raw.push(await measureLevel(servers[i]!.url, sc, c));
    }
  } finally {
    await Promise.all(servers.map((x) => x.stop()));
  }
  const median = (xs: number[]) => {
    const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    return v.length === 0 ? NaN : v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  for (const sc of chosen) {
    for (const c of o.concurrency) {
      const rs = raw.filter((r) => r.scenario === sc.name && r.concurrency === c);
      const med = (f: (r: LevelResult) => number | null) => {
        const v = median(rs.map((r) => f(r) ?? NaN));
        return Number.isFinite(v) ? v : null;
      };
      levels.push({
        scenario: sc.name,
        concurrency: c,
        requestsPerS: med((r) => r.requestsPerS) ?? 0,
        p50Ms: med((r) => r.p50Ms) ?? 0,
        p99Ms: med((r) => r.p99Ms) ?? 0,
        ok: rs.reduce((a, r) => a + r.ok, 0),
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
        errors: rs.reduce((a, r) => a + r.errors, 0),
        joulesPerRequest: med((r) => r.joulesPerRequest),
        batchJoulesPerInstance: med((r) => r.batchJoulesPerInstance),
        method: rs[0]?.method ?? 'none',
        meanBatchSize: med((r) => r.meanBatchSize),
      });
    }
  }
  if (o.repeat > 1) {
    log(`-- medians over ${o.repeat} rounds`);
    for (const l of levels) logLevel(l);
  }

  // Capacity: the best dynamic-batching throughput; overload: 10x that (autocannon: open loop; wrk:
  // paced connections, see load-wrk.ts). The queue is bounded at a few batches of the measured
  // capacity, so an admitted request waits at most about 4 batch times before it runs.
  const dynName = `dynamic-${o.maxBatchSize}`;
  const dyn = levels.filter((l) => l.scenario === dynName);
  const capacity = Math.max(...dyn.map((l) => l.requestsPerS));
  if (!o.noOverload && wanted('overload') && !(capacity > 0)) log('overload: skipped (it needs the batching scenarios to measure capacity)');
  if (!o.noOverload && wanted('overload') && capacity > 0) {
    overload = await runOverload(o, m, gen, capacity, log);
  }

  // Batch-1 vs dynamic at the same p99 budget: the best throughput each reaches within it.
  const within = (name: string) => levels.filter((l) => l.scenario === name && l.p99Ms <= o.p99BudgetMs && l.errors === 0 && l.non2xx === 0);
  const best = (name: string) => within(name).sort((a, b) => b.requestsPerS - a.requestsPerS)[0] ?? null;
  const b1 = best('batch-1');
  const bd = best(dynName);
  const pair = (a: string, b: string) => {
    const la = levels.filter((l) => l.scenario === a);
    const lb = levels.filter((l) => l.scenario === b);
    // Compare at the highest concurrency both ran (the loaded regime, where these levers act).
    const c = Math.max(...o.concurrency);
    const x = la.find((l) => l.concurrency === c);
    const y = lb.find((l) => l.concurrency === c);
    if (!x || !y) return null;
    return {
      concurrency: c,
      throughputRatio: y.requestsPerS / x.requestsPerS,
      energyPerRequestChange: x.joulesPerRequest && y.joulesPerRequest ? y.joulesPerRequest / x.joulesPerRequest - 1 : null,
      method: y.method,
    };
  };
  const summary: Record<string, unknown> = {
    p99BudgetMs: o.p99BudgetMs,
    batch1Best: b1,
    dynamicBest: bd,
    throughputRatioAtBudget: b1 && bd ? bd.requestsPerS / b1.requestsPerS : null,
    energyPerRequestChangeAtBudget: b1?.joulesPerRequest && bd?.joulesPerRequest ? bd.joulesPerRequest / b1.joulesPerRequest - 1 : null,
    cache: pair('cache-off (16 repeated inputs)', 'cache-on (16 repeated inputs)'),
    earlyExit: pair('early-exit-off', 'early-exit-on'),
    cascade: pair('cascade-off (large only)', 'cascade-on'),
    overload,
  };
  log('');
  if (levels.some((l) => l.scenario === 'batch-1')) log(
    `batch-1 vs dynamic-${o.maxBatchSize} within p99 <= ${o.p99BudgetMs} ms: ` +
      (b1 && bd
        ? `${fmt(b1.requestsPerS)} -> ${fmt(bd.requestsPerS)} req/s (x${fmt(summary.throughputRatioAtBudget as number, 2)}), ` +
          `J/request ${fmt(b1.joulesPerRequest, 4)} -> ${fmt(bd.joulesPerRequest, 4)} (${fmt(100 * ((summary.energyPerRequestChangeAtBudget as number) ?? NaN), 0)} %, ${bd.method})`
        : 'one of them never met the budget (raise --p99-budget-ms or lower --concurrency)'),
  );
  for (const [label, key] of [['cache on vs off', 'cache'], ['early exit on vs off', 'earlyExit'], ['cascade on vs off', 'cascade']] as const) {
    const p = summary[key] as ReturnType<typeof pair>;
    if (p) log(`${label} at concurrency ${p.concurrency}: throughput x${fmt(p.throughputRatio, 2)}, J/request ${fmt(100 * (p.energyPerRequestChange ?? NaN), 0)} % (${p.method})`);
  }
  await writeJsonAtomic(o.out, { options: { ...o, log: undefined }, loadGenerator: gen, levels, summary, createdAt: new Date().toISOString() });
  log(`results: ${o.out}`);
  return { levels, overload, summary };
}
