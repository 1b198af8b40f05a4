/**
 * HTTP request bodies through a real `verde serve` on 127.0.0.1 (tiny text and tabular models, one
 * worker each): mutated predict and feedback bodies (valid requests as seeds), sent a few at a
 * time. A 5xx answer or a non-JSON error body is a crash; no answer within `hangMs` is a hang; a
 * dead server (connection refused, exit) is a death: recorded and the server restarted. Peak RSS
 * is the server's (VmHWM).
 */
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServeProcess } from '../../src/bench-serve/bench.js';
import { DEFAULT_SERVE_OPTIONS } from '../../src/serve/options.js';
import { writeTinyTabularModel, writeTinyTextModel } from '../../src/bench-serve/tiny-models.js';
import { summarise, type Finding, type TargetReport } from './campaign.js';
import { inputRng, mutate } from './mutate.js';

const enc = new TextEncoder();
const ROUTES = ['/v1/models/text:predict', '/v1/models/fraud:predict', '/v1/models/text:feedback'];
const SEEDS: Record<string, string[]> = {
  '/v1/models/text:predict': [JSON.stringify({ instances: [{ text: 'WIN a free prize now' }, { text: 'meeting tomorrow' }] })],
  '/v1/models/fraud:predict': [JSON.stringify({ instances: [{ amount: 120.5, hour: 3, channel: 'web' }, { amount: null, hour: 23, channel: 'atm' }] })],
  '/v1/models/text:feedback': [JSON.stringify({ id: '00000000-0000-0000-0000-000000000000', labels: ['spam'] })],
};

export async function runHttpTarget(o: { seed: number; requests: number; hangMs: number; budgetS?: number; outDir: string; concurrency?: number }): Promise<{ report: TargetReport; findings: Finding[] }> {
  await rm(o.outDir, { recursive: true, force: true });
  await mkdir(join(o.outDir, 'inputs'), { recursive: true });
  const text = join(o.outDir, 'text');
  const fraud = join(o.outDir, 'fraud');
  await writeTinyTextModel(text, { name: 'text' });
  await writeTinyTabularModel(fraud, { name: 'fraud' });
  const args = ['--model', text, '--model', fraud, '--workers', '1', '--max-queue', '4096', '--timeout-ms', String(o.hangMs * 2)];
  let server = await startServeProcess(args);
  const findings: Finding[] = [];
  const t0 = Date.now();
  let peakKb = 0;
  let next = 0;
  let done = 0;
  let truncated = false;
  const sample = () => {
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      /* exited */
    }
  };
  const sampler = setInterval(sample, 250);
  let restarting: Promise<void> | null = null;
  const restart = () =>
    (restarting ??= (async () => {
      await server.stop().catch(() => undefined);
      server = await startServeProcess(args);
      restarting = null;
    })());

  async function one(i: number): Promise<void> {
    const r = inputRng(o.seed, 'http', i);
    const route = ROUTES[Math.floor(r() * ROUTES.length)]!;
    const body = mutate(SEEDS[route]!.map((s) => enc.encode(s)), 'json', r);
    const contentType = r() < 0.9 ? 'application/json' : ['text/plain', 'application/json; charset=latin1', ''][Math.floor(r() * 3)]!;
    const record = async (kind: Finding['kind'], error: string, where: string) => {
      const inputFile = join(o.outDir, 'inputs', `http-${i}.bin`);
      await writeFile(inputFile, body);
      findings.push({ kind, target: 'http', index: i, error, where, inputFile, inputBytes: body.length });
    };
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), o.hangMs);
    try {
      const res = await fetch(server.url + route, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body, signal: ctl.signal });
      const answer = await res.text();
      if (res.status >= 500) await record('crash', `HTTP ${res.status}: ${answer.slice(0, 300)}`, route);
      else if (res.status >= 400) {
        try {
          JSON.parse(answer);
        } catch {
          await record('crash', `HTTP ${res.status} with a non-JSON body: ${answer.slice(0, 200)}`, route);
        }
      }
    } catch (err) {
      if (ctl.signal.aborted) await record('hang', `no answer within ${o.hangMs} ms`, route);
      else if (server.child.exitCode !== null || server.child.signalCode !== null) {
        await record('death', `verde serve exited (${server.child.exitCode ?? server.child.signalCode}) during ${(err as Error).message}`, route);
        await restart();
      } else if (body.length > DEFAULT_SERVE_OPTIONS.bodyLimit && /EPIPE|ECONNRESET/.test(String((err as { cause?: Error }).cause?.message ?? ''))) {
        // A body over --body-limit is refused from its Content-Length: the server answers 413 and
        // closes the connection, and fetch, still writing the body, sees EPIPE/ECONNRESET instead of
        // the answer (curl shows the 413 JSON). A refusal, not a crash.
      } else await record('crash', `connection: ${(err as Error).message} ${String((err as { cause?: Error }).cause?.message ?? '')}`, route);
    } finally {
      clearTimeout(timer);
    }
  }

  try {
    const lanes = Array.from({ length: o.concurrency ?? 4 }, async () => {
      for (;;) {
        if (o.budgetS !== undefined && (Date.now() - t0) / 1000 > o.budgetS) {
          truncated = true;
          return;
        }
        const i = next++;
        if (i >= o.requests) return;
        if (restarting) await restarting;
        await one(i);
        done++;
      }
    });
    await Promise.all(lanes);
  } finally {
    clearInterval(sampler);
    sample();
    await server.stop().catch(() => undefined);
  }
  return { findings, report: summarise('http', findings, done, peakKb, (Date.now() - t0) / 1000, truncated) };
}
