/**
 * The health listener's thread (see health-listener.ts): a bare node:http server on its own port
 * and its own event loop, answering GET/HEAD /healthz and /readyz from what the main thread
 * publishes: a heartbeat in shared memory (written every HEARTBEAT_MS by the main event loop) and
 * the readiness answer, posted when it changes.
 */
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { RequestError } from './request-error.js';

export interface HealthWorkerInit {
  host: string;
  port: number;
  /** Float64Array[1]: the main thread's last heartbeat (Date.now()). */
  heartbeat: SharedArrayBuffer;
  /** The main event loop is stalled when its heartbeat is older than this. */
  staleMs: number;
}

export type HealthMessage = { type: 'readiness'; status: number; body: string } | { type: 'close' };

const init = workerData as HealthWorkerInit;
const port = parentPort!;
const heartbeat = new Float64Array(init.heartbeat);
let readiness = { status: 503, body: JSON.stringify({ status: 'starting' }) };

function send(res: import('node:http').ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function errorBody(status: number, field: string | null, message: string): string {
  return JSON.stringify(new RequestError(status, field, message).body());
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/healthz' && path !== '/readyz') return send(res, 404, errorBody(404, 'path', 'this port answers only /healthz and /readyz'));
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, errorBody(405, 'method', 'use GET or HEAD'), { allow: 'GET, HEAD' });
  const age = Date.now() - heartbeat[0]!;
  if (age > init.staleMs) {
    return send(res, 503, JSON.stringify({ status: 'stalled', message: `the server's event loop has not run for ${(age / 1000).toFixed(1)} s` }));
  }
  if (path === '/healthz') return send(res, 200, JSON.stringify({ status: 'ok' }));
  send(res, readiness.status, readiness.body);
});
server.keepAliveTimeout = 72_000;

port.on('message', (msg: HealthMessage) => {
  if (msg.type === 'readiness') readiness = { status: msg.status, body: msg.body };
  else {
    server.close(() => port.close());
    server.closeAllConnections();
  }
});

server.on('error', (err: NodeJS.ErrnoException) => port.postMessage({ type: 'error', message: err.code === 'EADDRINUSE' ? 'address already in use' : err.message }));
server.listen(init.port, init.host, () => {
  const addr = server.address();
  port.postMessage({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : init.port });
});
