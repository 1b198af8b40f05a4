/**
 * Health probes on their own port and their own thread (`--health-port`).
 *
 * Why: during a burst of hundreds of connections, a probe's new connection waits in the listen
 * socket's accept queue behind the burst's, and Node 20 (libuv 1.46) accepts one connection per
 * event-loop turn (seen with strace: one accept4 per epoll_pwait), while each turn also serves
 * every open connection's request. Measured on 2 shared vCPUs with 500 wrk connections that the
 * server sheds with 429: the accept queue held ~400 connections and drained at ~40 per second, and
 * a /healthz probe on the main port took 5.7-9.1 s although its TCP handshake finished in 11-25 ms
 * (no listen overflow: the backlog of 511 was not the cause). No setting of the main listener
 * changes that (Node 20 has no SO_REUSEPORT for a second accept loop), so probes get a listener of
 * their own, whose queue the burst does not reach and whose event loop is idle.
 *
 * What it says stays the main thread's: /healthz is 503 when the main event loop has not beaten for
 * STALE_MS (a liveness probe must still catch a wedged server), and /readyz is the main thread's
 * readiness answer, posted whenever it changes.
 */
import { Worker } from 'node:worker_threads';
import { UserError } from '../util/errors.js';
import type { HealthMessage, HealthWorkerInit } from './health-worker.js';

const HEARTBEAT_MS = 100;
/** A main event loop silent for this long is reported stalled (a shedding server lags far less). */
const STALE_MS = 5_000;

export interface Readiness {
  status: number;
  body: unknown;
}

export class HealthListener {
  private timer: NodeJS.Timeout | null = null;
  private lastReadiness = '';

  private constructor(private readonly worker: Worker, readonly port: number, private readonly readiness: () => Readiness, private readonly heartbeat: Float64Array) {
    this.beat();
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Start the listener thread on host:port (0: any free port) and wait until it listens. */
  static async start(host: string, port: number, readiness: () => Readiness): Promise<HealthListener> {
    const heartbeat = new Float64Array(new SharedArrayBuffer(8));
    heartbeat[0] = Date.now();
    const init: HealthWorkerInit = { host, port, heartbeat: heartbeat.buffer as SharedArrayBuffer, staleMs: STALE_MS };
    const worker = new Worker(new URL('./health-worker.js', import.meta.url), { workerData: init });
    const bound = await new Promise<number>((resolve, reject) => {
      worker.once('message', (msg: { type: 'listening'; port: number } | { type: 'error'; message: string }) => {
        if (msg.type === 'listening') resolve(msg.port);
        else reject(new UserError(`--health-port ${port}: cannot listen (${msg.message})`));
      });
      worker.once('error', reject);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    return new HealthListener(worker, bound, readiness, heartbeat);
  }

  /** Main event loop: beat, and post the readiness answer when it changed. */
  private beat(): void {
    this.heartbeat[0] = Date.now();
    const r = this.readiness();
    const body = JSON.stringify(r.body);
    const key = `${r.status} ${body}`;
    if (key === this.lastReadiness) return;
    this.lastReadiness = key;
    this.worker.postMessage({ type: 'readiness', status: r.status, body } satisfies HealthMessage);
  }

  /** Publish a readiness change now (shutdown) instead of at the next beat. */
  update(): void {
    this.beat();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies HealthMessage);
    const late = setTimeout(() => void this.worker.terminate(), 5_000);
    await exited;
    clearTimeout(late);
  }
}
