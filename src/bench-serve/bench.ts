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
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { readManifest, type ModelManifest } from '../registry/manifest.js';
import { UserError } from '../util/errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { requestBodies } from './bench-inputs.js';
import { runWrk, wrkAvailable, type LoadResult } from './load-wrk.js';
import { histogramQuantile, methodOf, scrape, sumMatching } from './metrics-scrape.js';

export type LoadGenerator = 'wrk' | 'autocannon';

export interface BenchOptions {
  model: string;
  exitModel?: string;
  small?: string;
  large?: string;
  url?: string;
  concurrency: number[];
  durationS: number;
  /** Interleaved rounds; medians are reported (default 1). */
  repeat: number;
  p99BudgetMs: number;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** Inference workers and ONNX Runtime threads per worker, passed to every server. */
  workers: number;
  threads: number;
  out: string;
  /** Skip the overload run. */
  noOverload?: boolean;
  /** Run only these scenario groups (batching, cache, early-exit, cascade, overload); default all. */
  only?: string[];
  /** Closed-loop load for the concurrency levels; 'auto' (default): wrk when on PATH, else autocannon. */
  loadGenerator?: LoadGenerator | 'auto';
  log?: (line: string) => void;
}

export interface LevelResult {
  scenario: string;
  concurrency: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Server process energy per answered request (HTTP handling included). */
  joulesPerRequest: number | null;
  /** Energy of the inference batches only, per answered instance. */
  batchJoulesPerInstance: number | null;
  method: string;
  meanBatchSize: number | null;
}

export interface OverloadResult {
  generator: LoadGenerator;
  /** Target rate: 10x the measured capacity. */
  offeredPerS: number;
  /** Requests actually sent per second (a paced closed-loop generator may fall short of the target). */
  sentPerS: number;
  connections: number;
  okPerS: number;
  shed429: number;
  otherErrors: number;
  admittedP99Ms: number | null;
  healthyAfter: boolean;
}

interface Scenario {
  name: string;
  group: string;
  modelDir?: string;
  flags: string[];
  /** Which model name to call. */
  target: string;
  bodies: string[];
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Start `verde serve` with `args` on a free port; resolves with its URL once it listens. */
export function startServeProcess(args: string[]): Promise<{ url: string; child: ChildProcess; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolveStart({ url: m[1]!, child, stop: async () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then((code) => reject(new UserError(`bench-serve: verde serve ${args.join(' ')} exited (${code}): ${err.trim().split('\n').pop()}`)));
  });
}

function autocannonRun(url: string, sc: Scenario, connections: number, durationS: number, overallRate?: number) {
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
async function runLevel(gen: LoadGenerator, url: string, sc: Scenario, connections: number, durationS: number): Promise<{ r: LoadResult; before: Map<string, number>; after: Map<string, number> }> {
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

function energyFigures(before: Map<string, number>, after: Map<string, number>, ok: number, target: string) {
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

function scenarios(o: BenchOptions, m: ModelManifest, exitM: ModelManifest | null, smallM: ModelManifest | null): Scenario[] {
  const distinct = requestBodies(m, 5000, 1);
  const repeated = requestBodies(m, 16, 2);
  const common = ['--workers', String(o.workers), '--threads', String(o.threads), '--max-queue', '4096', '--max-queue-delay-ms', String(o.maxQueueDelayMs)];
  const dyn = ['--max-batch-size', String(o.maxBatchSize)];
  const list: Scenario[] = [
    { name: 'batch-1', group: 'batching', modelDir: o.model, flags: [...common, '--max-batch-size', '1', '--cache', 'off', '--exit-threshold', 'off'], target: m.name, bodies: distinct },
    { name: `dynamic-${o.maxBatchSize}`, group: 'batching', modelDir: o.model, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: m.name, bodies: distinct },
    { name: 'cache-off (16 repeated inputs)', group: 'cache', modelDir: o.model, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: m.name, bodies: repeated },
    { name: 'cache-on (16 repeated inputs)', group: 'cache', modelDir: o.model, flags: [...common, ...dyn, '--cache', 'lru', '--exit-threshold', 'off'], target: m.name, bodies: repeated },
  ];
  if (exitM && o.exitModel) {
    const b = requestBodies(exitM, 5000, 3);
    list.push(
      { name: 'early-exit-off', group: 'early exit', modelDir: o.exitModel, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: exitM.name, bodies: b },
      { name: 'early-exit-on', group: 'early exit', modelDir: o.exitModel, flags: [...common, ...dyn, '--cache', 'off'], target: exitM.name, bodies: b },
    );
  }
  if (smallM && o.small && o.large) {
    const b = requestBodies(smallM, 5000, 4);
    list.push(
      { name: 'cascade-off (large only)', group: 'cascade', modelDir: o.large, flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off'], target: '', bodies: b },
      { name: 'cascade-on', group: 'cascade', flags: [...common, ...dyn, '--cache', 'off', '--exit-threshold', 'off', '--cascade', `small=${o.small},large=${o.large},name=bench-cascade`], target: 'bench-cascade', bodies: b },
    );
  }
  return list;
}

const fmt = (x: number | null, d = 1) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));

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
      overload = {
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
    } finally {
      await server.stop();
    }
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
