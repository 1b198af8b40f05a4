/**
 * wrk as the bench's load generator. wrk is C and costs a fraction of autocannon's CPU per request
 * (autocannon is Node, parsing every response in JavaScript); on a two-core machine the load
 * generator shares the cores with the server under test, so a cheaper one leaves the server the CPU
 * it would have in production, where clients run elsewhere. wrk is optional: without it on PATH the
 * bench falls back to autocannon (and tests never need it).
 *
 * wrk is closed-loop; for the overload run each connection waits `connections / rate` between
 * its requests (wrk's delay() hook), which offers about `rate` while the server answers quickly,
 * as a shedding server does. What was actually sent is reported next to the target.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  /** 2xx/3xx responses. */
  ok: number;
  /** Responses with status >= 400. */
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  durationS: number;
}

/** True when a `wrk` binary runs (`wrk -v` prints "wrk <version> ..." and exits 1). */
export function wrkAvailable(): boolean {
  const r = spawnSync('wrk', ['-v'], { stdio: 'pipe', timeout: 5_000 });
  return !r.error && /^wrk /m.test(`${r.stdout}${r.stderr}`);
}

/**
 * POSTs the bodies in turn (each wrk connection starts at a random one) and prints one JSON line of
 * counts and latency percentiles (microseconds) when done. No response() hook: defining one makes
 * wrk hand every response to Lua, which costs the CPU this generator is here to save; the
 * non-2xx count comes from wrk's own summary.
 */
const SCRIPT = `
local bodies = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  i = math.random(#bodies)
  pace = tonumber(args[2]) or 0
end
if PACED then
  function delay() return pace end
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
function done(summary, latency, requests)
  io.write(string.format('VERDE_WRK {"requests":%d,"durationUs":%d,"status":%d,"socket":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

export async function runWrk(o: { url: string; path: string; connections: number; durationS: number; bodies: string[]; timeoutS: number; ratePerS?: number }): Promise<LoadResult & { sent: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'verde-wrk-'));
  try {
    const script = join(dir, 'bodies.lua');
    const bodies = join(dir, 'bodies.txt');
    // delay() is only defined when pacing: wrk then schedules every request through a timer.
    await writeFile(script, `PACED = ${o.ratePerS ? 'true' : 'false'}\n${SCRIPT}`);
    const paceMs = o.ratePerS ? Math.max(0, Math.round((1000 * o.connections) / o.ratePerS)) : 0;
    // One body per line: the bench's bodies are single-line JSON.
    await writeFile(bodies, o.bodies.map((b) => b.replace(/\n/g, ' ')).join('\n') + '\n');
    // One thread: a single wrk thread drives tens of thousands of requests a second, far beyond
    // these servers, and a second would only take CPU from the server.
    const args = ['-t1', `-c${o.connections}`, `-d${o.durationS}s`, `--timeout`, `${o.timeoutS}s`, '-s', script, `${o.url}${o.path}`, '--', bodies, String(paceMs)];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      // 'close', not 'exit': stdout may still hold the summary line when the process exits.
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited (${code}): ${text.trim().split('\n').pop()}`))));
    });
    const line = /VERDE_WRK (\{.*\})/.exec(out);
    if (!line) throw new Error(`wrk printed no summary: ${out.trim().split('\n').pop()}`);
    const s = JSON.parse(line[1]!) as { requests: number; durationUs: number; status: number; socket: number; timeout: number; p50Us: number; p99Us: number };
    return {
      sent: s.requests,
      ok: s.requests - s.status,
      non2xx: s.status,
      errors: s.socket + s.timeout,
      p50Ms: s.p50Us / 1000,
      p99Ms: s.p99Us / 1000,
      durationS: s.durationUs / 1e6,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
