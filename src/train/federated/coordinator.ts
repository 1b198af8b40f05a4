/**
 * The FedAvg coordinator: an HTTP server on 127.0.0.1 and N real client processes (forked from
 * the compiled ./client-main.js), each holding its own institution's data. Per round it sends the
 * global weights (float32), waits for every live client's int8-compressed weight change, and adds
 * their row-weighted mean (McMahan et al. 2017). A client that dies mid-round (its process exits)
 * or misses the round deadline is dropped from that round: the round completes with the rest and
 * its log says who was missing and why. Bytes on the wire are counted in both directions.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SmallNet, type NamedTensor } from '../../models/logistic/net.js';
import { normaliserFromStats, poolStats } from '../../tabular/normaliser.js';
import { decodeMessage, encodeMessage } from './wire.js';
import type { ClientConfig, ClientDataSource, LocalTraining, RegisterBody, RoundHeader, UpdateHeader } from './protocol.js';

export interface FederatedClientSpec {
  id: string;
  data: ClientDataSource;
}

export interface FederatedOptions extends Partial<LocalTraining> {
  clients: FederatedClientSpec[];
  rounds: number;
  /** How long a round waits for the slowest live client (default 120 s). */
  roundTimeoutMs?: number;
  /** How long to wait for every client to load its data and register (default 120 s). */
  registerTimeoutMs?: number;
  /** A waiting client's poll is answered "retry" after this long (default 30 s). */
  longPollMs?: number;
  /** Compiled client entry (default: ./client-main.js beside this module). */
  clientEntry?: string;
  /** Called when a round opens, before any client has the model (tests kill a child here). */
  onRoundOpen?: (round: number, children: ReadonlyMap<string, ChildProcess>) => void | Promise<void>;
  onRound?: (log: RoundLog) => void;
}

export interface RoundLog {
  round: number;
  participants: string[];
  dropped: { clientId: string; reason: string }[];
  meanLoss: number;
  bytesDown: number;
  bytesUp: number;
}

export interface FederatedResult {
  model: SmallNet;
  rounds: RoundLog[];
  clientsRegistered: string[];
  /** Payload bytes, coordinator -> clients (global weights) and clients -> coordinator (updates). */
  bytesDown: number;
  bytesUp: number;
  /** What the updates would have cost as float32 (to show the int8 saving). */
  bytesUpFloat32: number;
  /** One line per event worth telling the user (dropped clients, stragglers). */
  notes: string[];
  /** Long polls answered "retry" because the next round was not open yet. */
  pollRetries: number;
}

interface Pending { resolve: () => void }

const LONG_POLL_MS = 30_000;

class Coordinator {
  readonly children = new Map<string, ChildProcess>();
  readonly alive = new Set<string>();
  readonly registered = new Map<string, RegisterBody>();
  private polls = new Map<string, ServerResponse>();
  private sentRound = new Map<string, number>();
  private updates = new Map<string, { header: UpdateHeader; delta: NamedTensor[] }>();
  private deaths = new Map<string, string>();
  private waiter?: Pending;
  round = 0;
  /** False while a round is being prepared: polls wait until the model for it is final. */
  roundOpen = false;
  done = false;
  global!: SmallNet;
  normaliserSent = new Set<string>();
  bytesDown = 0;
  bytesUp = 0;
  bytesUpFloat32 = 0;
  roundBytesDown = 0;
  roundBytesUp = 0;
  server!: Server;
  url = '';
  longPollMs = LONG_POLL_MS;
  pollRetries = 0;

  async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(err instanceof Error ? err.message : err));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }

  /** Wait until `ready()` holds, re-checking whenever something happens, or until the deadline. */
  async until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = { resolve: () => { clearTimeout(timer); resolve(); } };
      });
    }
    return true;
  }

  clientDied(id: string, reason: string): void {
    if (!this.alive.delete(id)) return;
    this.deaths.set(id, reason);
    this.polls.get(id)?.destroy();
    this.polls.delete(id);
    this.wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method === 'POST' && url.pathname === '/register') {
      const reg = JSON.parse(body.toString('utf8')) as RegisterBody;
      this.bytesUp += body.length;
      this.registered.set(reg.clientId, reg);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      this.wake();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/round') {
      const id = url.searchParams.get('client') ?? '';
      this.polls.set(id, res);
      // A long poll is answered "retry" after 30 s, well inside undici's 300 s headers timeout.
      const timer = setTimeout(() => {
        if (this.polls.get(id) !== res) return;
        this.polls.delete(id);
        const h: RoundHeader = { round: this.round, done: false, retry: true };
        this.pollRetries++;
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(encodeMessage(h, []));
      }, this.longPollMs);
      res.on('close', () => clearTimeout(timer));
      this.release();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/update') {
      const msg = decodeMessage<UpdateHeader>(body);
      const h = msg.header;
      if (h.round !== this.round || !this.roundOpen || this.done) {
        res.writeHead(409, { 'content-type': 'text/plain' }).end(`round ${h.round} is closed`);
        return;
      }
      this.bytesUp += body.length;
      this.roundBytesUp += body.length;
      this.bytesUpFloat32 += msg.tensors.reduce((s, t) => s + 4 * t.data.length, 0) + (body.length - msg.tensors.reduce((s, t) => s + t.data.length, 0));
      this.updates.set(h.clientId, { header: h, delta: msg.tensors });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      this.wake();
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  /** Answer the clients waiting for a round they have not had yet (or tell them it is over). */
  release(): void {
    for (const [id, res] of this.polls) {
      let body: Buffer | undefined;
      if (this.done) {
        const h: RoundHeader = { round: this.round, done: true };
        body = encodeMessage(h, []);
      } else if (this.roundOpen && this.sentRound.get(id) !== this.round) {
        const h: RoundHeader = { round: this.round, done: false };
        if (!this.normaliserSent.has(id)) {
          h.normaliser = { mean: Array.from(this.global.normaliser.mean), std: Array.from(this.global.normaliser.std) };
          this.normaliserSent.add(id);
        }
        body = encodeMessage(h, this.global.tensors());
        this.sentRound.set(id, this.round);
        this.bytesDown += body.length;
        this.roundBytesDown += body.length;
      }
      if (body) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
        this.polls.delete(id);
      }
    }
  }

  async runRound(opts: FederatedOptions): Promise<RoundLog> {
    this.roundOpen = false;
    this.round++;
    this.updates.clear();
    this.roundBytesDown = 0;
    this.roundBytesUp = 0;
    const expected = [...this.alive];
    await opts.onRoundOpen?.(this.round, this.children);
    this.roundOpen = true;
    this.release();
    const complete = await this.until(() => expected.every((id) => this.updates.has(id) || !this.alive.has(id)), opts.roundTimeoutMs ?? 120_000);
    const dropped: RoundLog['dropped'] = [];
    for (const id of expected) {
      if (this.updates.has(id)) continue;
      dropped.push({ clientId: id, reason: this.alive.has(id) ? `no update within ${(opts.roundTimeoutMs ?? 120_000) / 1000} s` : this.deaths.get(id) ?? 'exited' });
    }
    this.roundOpen = false;
    if (!complete) for (const d of dropped) if (this.alive.has(d.clientId)) this.sentRound.delete(d.clientId);
    // FedAvg: the row-weighted mean of the updates that arrived.
    const arrived = [...this.updates.values()];
    const totalRows = arrived.reduce((s, u) => s + u.header.rows, 0);
    const globalTensors = this.global.tensors();
    for (const u of arrived) {
      const w = u.header.rows / totalRows;
      u.delta.forEach((d, i) => {
        const g = globalTensors[i].data;
        for (let k = 0; k < g.length; k++) g[k] += w * d.data[k];
      });
    }
    const meanLoss = totalRows > 0 ? arrived.reduce((s, u) => s + u.header.loss * u.header.rows, 0) / totalRows : NaN;
    return { round: this.round, participants: arrived.map((u) => u.header.clientId).sort(), dropped, meanLoss, bytesDown: this.roundBytesDown, bytesUp: this.roundBytesUp };
  }

  async finish(): Promise<void> {
    this.done = true;
    this.release();
    const exited = await this.until(() => this.alive.size === 0, 10_000);
    if (!exited) for (const id of this.alive) this.children.get(id)?.kill('SIGKILL');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
  }
}

/** The compiled client entry next to this module (the fraud case and tests run from dist/). */
export function defaultClientEntry(): string {
  return fileURLToPath(new URL('./client-main.js', import.meta.url));
}

export async function runFederated(opts: FederatedOptions): Promise<FederatedResult> {
  if (opts.clients.length === 0) throw new Error('runFederated: no clients');
  const training: LocalTraining = {
    hidden: opts.hidden ?? [],
    localEpochs: opts.localEpochs ?? 1,
    batchSize: opts.batchSize ?? 256,
    learningRate: opts.learningRate ?? 0.01,
    positiveWeight: opts.positiveWeight ?? 1,
    seed: opts.seed ?? 0,
    compress: opts.compress ?? 'int8',
  };
  const c = new Coordinator();
  c.longPollMs = opts.longPollMs ?? LONG_POLL_MS;
  await c.listen();
  const notes: string[] = [];
  try {
    for (const spec of opts.clients) {
      const cfg: ClientConfig = { ...training, url: c.url, clientId: spec.id, data: spec.data };
      const child = fork(opts.clientEntry ?? defaultClientEntry(), [JSON.stringify(cfg)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
      child.on('exit', (code, signal) => {
        const why = signal ? `process killed (${signal})` : `process exited with code ${code}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`;
        if (c.alive.has(spec.id) && !c.done) notes.push(`client ${spec.id}: ${why}${c.round > 0 ? ` during round ${c.round}` : ' before the first round'}`);
        c.clientDied(spec.id, why);
      });
      c.children.set(spec.id, child);
      c.alive.add(spec.id);
    }
    await c.until(() => [...c.alive].every((id) => c.registered.has(id)), opts.registerTimeoutMs ?? 120_000);
    for (const id of [...c.alive]) {
      if (!c.registered.has(id)) { c.children.get(id)?.kill('SIGKILL'); c.clientDied(id, 'did not register in time'); notes.push(`client ${id}: did not register in time`); }
    }
    const regs = [...c.registered.values()].filter((r) => c.alive.has(r.clientId));
    if (regs.length === 0) throw new Error(`federated: no client registered (${notes.join('; ')})`);
    // The global standardisation comes from pooled column sums: statistics, not rows, leave a site.
    c.global = SmallNet.create(regs[0].cols, training.hidden, training.seed);
    c.global.normaliser = normaliserFromStats(poolStats(regs.map((r) => r.stats)));
    const rounds: RoundLog[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      if (c.alive.size === 0) { notes.push(`stopped after round ${r}: no client left`); break; }
      const log = await c.runRound(opts);
      if (log.dropped.length > 0) {
        notes.push(`round ${log.round} completed with ${log.participants.length} of ${log.participants.length + log.dropped.length} clients (${log.dropped.map((d) => `${d.clientId}: ${d.reason}`).join('; ')})`);
      }
      rounds.push(log);
      opts.onRound?.(log);
    }
    await c.finish();
    return { model: c.global, rounds, clientsRegistered: regs.map((r) => r.clientId), bytesDown: c.bytesDown, bytesUp: c.bytesUp, bytesUpFloat32: c.bytesUpFloat32, notes, pollRetries: c.pollRetries };
  } catch (err) {
    for (const child of c.children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    if (!c.done) { c.done = true; c.server.close(); c.server.closeAllConnections(); }
    throw err;
  }
}
