/** Shared by the hot-swap tests: a closed loop of concurrent predict requests that records every answer, and the swap-under-load steps. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadAnswer {
  status: number;
  version: string | null;
  loop: number;
}

export interface Load {
  answers: LoadAnswer[];
  /** Stop sending; resolves once every loop's last request is answered. */
  stop(): Promise<void>;
}

/** `loops` clients, each sending its next request as soon as the last is answered. */
export function startLoad(url: string, loops: number, body: (i: number) => unknown): Load {
  const answers: LoadAnswer[] = [];
  let running = true;
  let n = 0;
  const one = async (loop: number) => {
    while (running) {
      try {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(n++)) });
        await r.arrayBuffer();
        answers.push({ status: r.status, version: r.headers.get('x-verde-model-version'), loop });
      } catch {
        answers.push({ status: 0, version: null, loop }); // a connection error is a failed request too
      }
    }
  };
  const all = Promise.all(Array.from({ length: loops }, (_, i) => one(i)));
  return {
    answers,
    async stop() {
      running = false;
      await all;
    },
  };
}

export interface SwapUnderLoad {
  /** The predict route the load is sent to. */
  url: string;
  /** Concurrent clients. */
  loops: number;
  /** Change what is served (write a pointer file, move an alias). */
  swap: () => Promise<void>;
  /** Answers to wait for before the swap, and again after the new version is first seen (default 30). */
  answers?: number;
  /** How long the new version may take to show up in the version header (default 20 s). */
  swapWaitMs?: number;
}

/**
 * The steps every hot-swap test repeats: load on the old version, swap, wait for version "2" in the
 * answers' version header, more load on it, stop, and no request may have failed. Returns every
 * answer for the test's own checks (per-client order, usage counts).
 */
export async function swapUnderLoad(o: SwapUnderLoad): Promise<LoadAnswer[]> {
  const n = o.answers ?? 30;
  const load = startLoad(o.url, o.loops, fraudInstance);
  await until(() => load.answers.length >= n, 20_000, 'load on version 1');
  await o.swap();
  await until(() => load.answers.some((a) => a.version === '2'), o.swapWaitMs ?? 20_000, 'the version header to change');
  const atSwap = load.answers.length;
  await until(() => load.answers.length >= atSwap + n, 20_000, 'load on version 2');
  await load.stop();
  const failed = load.answers.filter((a) => a.status !== 200);
  assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed.slice(0, 5))} of ${load.answers.length}`);
  return load.answers;
}

/** Poll `cond` until true (or fail after `ms`). */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** A tabular instance of the tiny fraud model, varied so the cache rarely answers. */
export function fraudInstance(i: number): { instances: unknown[] } {
  return { instances: [{ amount: (i * 37) % 1000, hour: i % 24, channel: ['web', 'pos', 'atm'][i % 3] }] };
}
