/**
 * Download one file over HTTP(S) into place atomically: streamed to a temporary sibling, renamed
 * when complete, so an interrupted download never leaves a truncated model.safetensors in the
 * cache. A progress bar shows large downloads. Network failures become HubUnreachable (the caller
 * turns it into a one-line "offline: fetch these files and put them there" message); HTTP errors
 * become HubHttpError with the status.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { progressBar } from '../util/progress.js';

/** The server could not be reached at all (DNS, refused, timeout): most likely offline. */
export class HubUnreachable extends Error {
  constructor(readonly url: string, readonly code: string) {
    super(`no answer from ${new URL(url).origin} (${code})`);
    this.name = 'HubUnreachable';
  }
}

export class HubHttpError extends Error {
  constructor(readonly url: string, readonly status: number) {
    super(`HTTP ${status} for ${url}`);
    this.name = 'HubHttpError';
  }
}

export interface DownloadOptions {
  /** Give up if the server has not answered (headers) within this many ms. Default 30 s. */
  headersTimeoutMs?: number;
  /** Progress bar label; shown for files over 5 MB. */
  label?: string;
}

async function get(url: string, headersTimeoutMs: number): Promise<Response> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), headersTimeoutMs);
  try {
    return await fetch(url, { signal: ctl.signal, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = ctl.signal.aborted ? 'timeout' : cause?.code ?? (err as Error).message;
    throw new HubUnreachable(url, code);
  } finally {
    clearTimeout(timer);
  }
}

/** GET `url` and parse its JSON body (small API answers). */
export async function fetchJson(url: string, opts: DownloadOptions = {}): Promise<unknown> {
  const res = await get(url, opts.headersTimeoutMs ?? 30_000);
  if (!res.ok) {
    await res.body?.cancel();
    throw new HubHttpError(url, res.status);
  }
  try {
    return await res.json();
  } catch (err) {
    throw new Error(`${url}: answer is not JSON (${(err as Error).message})`);
  }
}

/** Download `url` to `dest` atomically. Returns the number of bytes written. */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<number> {
  const res = await get(url, opts.headersTimeoutMs ?? 30_000);
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new HubHttpError(url, res.status);
  }
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const bar = total > 5_000_000 ? progressBar(opts.label ?? `download ${basename(dest)}`, Math.round(total / 1e6), ['MB']) : undefined;
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      bar?.update(Math.round(bytes / 1e6));
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), count, createWriteStream(tmp));
    if (total > 0 && bytes !== total) throw new Error(`download of ${url} ended after ${bytes} of ${total} bytes`);
    await rename(tmp, dest);
    return bytes;
  } catch (err) {
    await rm(tmp, { force: true });
    if ((err as Error).name === 'HubHttpError') throw err;
    // A connection dropped mid-body (undici reports "terminated" with the socket error as cause).
    const code = (err as NodeJS.ErrnoException).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (code && /^(ECONNRESET|ETIMEDOUT|EPIPE|UND_ERR)/.test(code)) throw new HubUnreachable(url, `${code}, download interrupted`);
    throw err;
  } finally {
    bar?.stop();
  }
}
