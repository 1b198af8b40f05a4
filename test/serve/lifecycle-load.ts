/** Shared by the hot-swap tests: a closed loop of concurrent predict requests that records every answer. */
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
