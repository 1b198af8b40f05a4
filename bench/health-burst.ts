/**
 * Why does /healthz on the MAIN port stall during a connection burst? (issue 12, item 12)
 *
 *   node dist/bench/health-burst.js [--connections 500] [--seconds 4]
 *
 * Starts a real `verde serve` child (a tiny tabular model, one worker, --max-queue 8 so the burst
 * is shed with 429, and --health-port 0) with a preload that samples, inside the server, the event
 * loop's delay (perf_hooks.monitorEventLoopDelay), its utilisation (eventLoopUtilization) and how
 * many connections it has accepted. Then a child opens `--connections` keep-alive connections that
 * send the next request as soon as one is answered, and meanwhile this process probes /healthz on
 * the main port and on the health port, each probe on a new connection, timing the TCP handshake
 * and the answer apart, and samples the main listener's accept queue (Recv-Q of `ss -ltn`).
 * Prints a table per 500 ms and a summary. Run by hand; it asserts nothing.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTinyTabularModel } from '../src/bench-serve/tiny-models.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CONNECTIONS = flag('connections', 500);
const SECONDS = flag('seconds', 4);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Preloaded into the server: one JSON line on stderr every 250 ms. */
const MONITOR = `
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import dc from 'node:diagnostics_channel';
let accepted = 0;
dc.subscribe('net.server.socket', () => accepted++);
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
let elu = performance.eventLoopUtilization();
setInterval(() => {
  const now = performance.eventLoopUtilization(elu);
  elu = performance.eventLoopUtilization();
  process.stderr.write('LOOP ' + JSON.stringify({ t: Date.now(), p50: h.percentile(50) / 1e6, max: h.max / 1e6, elu: now.utilization, accepted }) + '\\n');
  h.reset();
}, 250).unref();
`;

const BURST = `
const net = require('node:net');
const [port, connections, seconds] = process.argv.slice(1).map(Number);
const body = JSON.stringify({ instances: [{ amount: 120, hour: 3, channel: 'web' }] });
const req = 'POST /v1/models/fraud:predict HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body;
let answers = 0;
let done = false;
const socks = new Set();
// Like wrk: a connection the server closes is opened again at once.
function open() {
  const s = net.connect(port, '127.0.0.1', () => s.write(req));
  s.on('data', (d) => { answers += (d.toString().match(/HTTP\\/1\\.1 /g) || []).length; if (!s.destroyed) s.write(req); });
  s.on('error', () => {});
  s.on('close', () => { socks.delete(s); if (!done) open(); });
  socks.add(s);
}
for (let i = 0; i < connections; i++) open();
setTimeout(() => { done = true; for (const s of socks) s.destroy(); console.log(JSON.stringify({ answers })); process.exit(0); }, seconds * 1000);
`;

/** One /healthz on a new connection: handshake time and answer time (ms from the start). */
function probe(port: number): Promise<{ connectMs: number; answerMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let connectMs = -1;
    let data = '';
    const s = connect(port, '127.0.0.1', () => {
      connectMs = performance.now() - t0;
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    s.on('data', (d) => {
      data += d.toString();
      if (/^HTTP\/1\.1 \d+/.test(data)) {
        resolve({ connectMs, answerMs: performance.now() - t0 });
        s.destroy();
      }
    });
    s.on('error', reject);
    s.setTimeout(30_000, () => reject(new Error('probe timed out')));
  });
}

function acceptQueue(port: number): number {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  return Number(out.trim().split(/\s+/)[1] ?? NaN); // State Recv-Q Send-Q ...: Recv-Q is the accept queue
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'verde-health-burst-'));
  try {
    const model = join(dir, 'fraud');
    await writeTinyTabularModel(model, { name: 'fraud' });
    const monitor = join(dir, 'monitor.mjs');
    await writeFile(monitor, MONITOR);
    const server = spawn(process.execPath, ['--import', monitor, CLI, 'serve', '--model', model, '--port', '0', '--health-port', '0', '--workers', '1', '--cache', 'off', '--max-queue', '8'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const loop: { t: number; p50: number; max: number; elu: number; accepted: number }[] = [];
    let err = '';
    const ports = await new Promise<{ main: number; health: number }>((resolve, reject) => {
      server.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        for (const line of d.toString().split('\n')) if (line.startsWith('LOOP ')) loop.push(JSON.parse(line.slice(5)));
        const main = /listening on http:\/\/[^:]+:(\d+)/.exec(err);
        const health = /health probes on http:\/\/[^:]+:(\d+)/.exec(err);
        if (main && health) resolve({ main: Number(main[1]), health: Number(health[1]) });
      });
      server.on('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
    const idle = [await probe(ports.main), await probe(ports.health)];
    console.log(`idle: main ${idle[0]!.answerMs.toFixed(1)} ms, health port ${idle[1]!.answerMs.toFixed(1)} ms`);
    const tBurst = Date.now();
    const burst = spawn(process.execPath, ['-e', BURST, String(ports.main), String(CONNECTIONS), String(SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    burst.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const burstDone = new Promise<void>((resolve) => burst.on('exit', () => resolve()));
    const queue: { t: number; q: number }[] = [];
    const sampler = setInterval(() => queue.push({ t: Date.now(), q: acceptQueue(ports.main) }), 100);
    const mainProbes: { t: number; connectMs: number; answerMs: number }[] = [];
    const healthProbes: { t: number; connectMs: number; answerMs: number }[] = [];
    // Main-port probes side by side (each may wait seconds); health-port probes one after another.
    const mainLoop = (async () => {
      const pending: Promise<void>[] = [];
      while (Date.now() - tBurst < SECONDS * 1000 - 500) {
        const t = Date.now();
        pending.push(probe(ports.main).then((r) => void mainProbes.push({ t, ...r })));
        await new Promise((r) => setTimeout(r, 250));
      }
      await Promise.all(pending);
    })();
    while (Date.now() - tBurst < SECONDS * 1000 - 500) {
      const t = Date.now();
      healthProbes.push({ t, ...(await probe(ports.health)) });
      await new Promise((r) => setTimeout(r, 50));
    }
    await burstDone;
    await mainLoop;
    clearInterval(sampler);
    const { answers } = JSON.parse(out) as { answers: number };
    console.log(`burst: ${CONNECTIONS} connections for ${SECONDS} s, ${answers} answers (mostly 429)`);
    console.log('t(ms)  accept-queue  loop-delay-p50  loop-delay-max  loop-utilisation  accepted  main-probe(connect/answer ms)');
    for (let t = 0; t < SECONDS * 1000 + 1000; t += 500) {
      const inWin = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t - tBurst >= t && x.t - tBurst < t + 500);
      const l = inWin(loop);
      const q = inWin(queue);
      const m = inWin(mainProbes);
      const f = (xs: number[], d = 0) => (xs.length ? Math.max(...xs).toFixed(d) : '-');
      console.log(
        `${String(t).padStart(5)}  ${f(q.map((x) => x.q)).padStart(12)}  ${f(l.map((x) => x.p50), 1).padStart(14)}  ${f(l.map((x) => x.max), 1).padStart(14)}  ${f(l.map((x) => x.elu), 2).padStart(16)}  ${f(l.map((x) => x.accepted)).padStart(8)}  ${m.map((x) => `${x.connectMs.toFixed(0)}/${x.answerMs.toFixed(0)}`).join(' ')}`,
      );
    }
    const ma = mainProbes.map((x) => x.answerMs);
    const ha = healthProbes.map((x) => x.answerMs);
    console.log(`main port /healthz: ${ma.length} probes, handshake max ${Math.max(...mainProbes.map((x) => x.connectMs)).toFixed(1)} ms, answer p50 ${pct(ma, 50).toFixed(0)} ms, max ${Math.max(...ma).toFixed(0)} ms`);
    console.log(`health port /healthz: ${ha.length} probes, answer p50 ${pct(ha, 50).toFixed(1)} ms, p95 ${pct(ha, 95).toFixed(1)} ms, max ${Math.max(...ha).toFixed(1)} ms`);
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
