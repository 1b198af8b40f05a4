/**
 * Health probes under a burst (issue 12, item 12): a real `verde serve` child with --health-port,
 * a bounded burst of 500 keep-alive connections on 127.0.0.1 sending predict requests as fast as
 * the server answers them (it sheds most with 429), and /healthz probes on the health port, each on
 * a new connection, as Kubernetes sends them. On the main port such a probe waited seconds in the
 * accept queue behind the burst (health-listener.ts says why).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { suiteFixture } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A child process holding `connections` keep-alive connections, each sending the next request as soon as the last is answered, for `seconds`. */
const BURST = `
const net = require('node:net');
const [port, connections, seconds] = process.argv.slice(1).map(Number);
const body = JSON.stringify({ instances: [{ amount: 120, hour: 3, channel: 'web' }] });
const req = 'POST /v1/models/fraud:predict HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body;
let answers = 0;
const socks = [];
for (let i = 0; i < connections; i++) {
  const s = net.connect(port, '127.0.0.1', () => s.write(req));
  s.on('data', (d) => { answers += (d.toString().match(/HTTP\\/1\\.1 /g) || []).length; if (!s.destroyed) s.write(req); });
  s.on('error', () => {});
  socks.push(s);
}
setTimeout(() => { for (const s of socks) s.destroy(); console.log(JSON.stringify({ answers })); process.exit(0); }, seconds * 1000);
`;

function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

function startServe(args: string[]): Promise<{ child: ChildProcess; url: string; healthUrl: string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const main = /listening on (http:\/\/\S+)/.exec(err);
      const health = /health probes on (http:\/\/\S+)\/healthz/.exec(err);
      if (main && health) resolve({ child, url: main[1]!, healthUrl: health[1]!, exit });
    });
    child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
  });
}

describe('verde serve --health-port under a 500-connection burst', () => {
  const fx = suiteFixture();

  it('answers /healthz on the health port within 100 ms while the main port sheds the burst', { timeout: 120_000 }, async (t) => {
    const s = await startServe(['--model', fx.f.tabular, '--port', '0', '--health-port', '0', '--workers', '1', '--cache', 'off', '--max-queue', '8']);
    try {
      assert.ok((await probe(`${s.healthUrl}/healthz`)) < 1000);
      const port = new URL(s.url).port;
      const burst = spawn(process.execPath, ['-e', BURST, port, '500', '4'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      burst.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const burstDone = new Promise<void>((resolve) => burst.on('exit', () => resolve()));
      const latencies: number[] = [];
      const t0 = performance.now();
      while (performance.now() - t0 < 3_500) {
        latencies.push(await probe(`${s.healthUrl}/healthz`));
        await new Promise((r) => setTimeout(r, 50));
      }
      await burstDone;
      const { answers } = JSON.parse(out) as { answers: number };
      assert.ok(answers > 500, `the burst got ${answers} answers`);
      latencies.sort((a, b) => a - b);
      const within = latencies.filter((x) => x <= 100).length / latencies.length;
      const summary = `${latencies.length} probes: p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`;
      // Every probe is answered; on a 2-core machine shared with the burst's client and other jobs a
      // probe can wait a scheduler tick or two, so the strict bound is asked of 95 % of them.
      t.diagnostic(`health port during the burst (${answers} burst answers): ${summary}`);
      assert.ok(within >= 0.95, `${(within * 100).toFixed(0)} % within 100 ms (${summary})`);
      assert.ok(latencies.at(-1)! < 1000, summary);
      const ready = await probe(`${s.healthUrl}/readyz`);
      assert.ok(ready < 1000);
    } finally {
      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 0);
    }
  });
});
