/** Shared by the serving tests: tiny real model directories in a temp dir, and small HTTP helpers. */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyTabularModel, writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer, type RunningServer } from '../../src/serve/server.js';
import type { ServeOptions } from '../../src/serve/options.js';

export interface Fixture {
  root: string;
  text: string;
  textExit: string;
  tabular: string;
  tabularSmall: string;
  cleanup(): Promise<void>;
}

/** Write the tiny models once per test file: a text model, its 3-stage early-exit twin, two tabular models. */
export async function fixture(): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'verde-serve-test-'));
  const f: Fixture = {
    root,
    text: join(root, 'text'),
    textExit: join(root, 'text-exit'),
    tabular: join(root, 'tabular'),
    tabularSmall: join(root, 'tabular-small'),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  await writeTinyTextModel(f.text, { name: 'text' });
  await writeTinyTextModel(f.textExit, { name: 'text-exit', earlyExit: true, layers: 3, exitThreshold: 0.9 });
  await writeTinyTabularModel(f.tabular, { name: 'fraud' });
  await writeTinyTabularModel(f.tabularSmall, { name: 'fraud-small', scale: 0.5, amountOnly: true });
  return f;
}

/** The fixture for the enclosing describe(): written before its tests, removed after. */
export function suiteFixture(): { readonly f: Fixture } {
  let f: Fixture | undefined;
  before(async () => {
    f = await fixture();
  });
  after(async () => {
    await f?.cleanup();
  });
  return {
    get f(): Fixture {
      return f!;
    },
  };
}

/**
 * A real server on a fresh fixture, for a describe()'s before(): `options(f)` picks the fixture's
 * models and the settings under test. A server that fails to start leaves no fixture behind.
 */
export async function serveFixture(options: (f: Fixture) => Partial<ServeOptions> & { models: string[] }): Promise<{ f: Fixture; s: RunningServer }> {
  const f = await fixture();
  try {
    return { f, s: await createServer(options(f)) };
  } catch (err) {
    await f.cleanup();
    throw err;
  }
}

/** For after(): close the server, then remove its fixture (either is missing when before() failed). */
export async function closeFixture(s: RunningServer | undefined, f: Fixture | undefined): Promise<void> {
  await s?.close();
  await f?.cleanup();
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON (e.g. /metrics) */
  }
  return { status: r.status, headers: r.headers, body, text };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** The value of a Prometheus sample `name{labels}` in /metrics text (labels in the order the server writes them). */
export function metric(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

/** The verde CLI, built (dist/src/cli/main.js). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ServeChild {
  child: ChildProcess;
  /** Resolves with the URL once the server logs "listening on ..."; rejects if it exits first. */
  url: Promise<string>;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** `verde serve ARGS` as a real child process. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = process.env): ServeChild {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited before listening: ${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, url, stderr: () => err, exit };
}
