/**
 * A real HTTP server on 127.0.0.1 that plays the Hugging Face Hub for tests: it serves files from
 * local directories under /<repo>/resolve/<revision>/<file> (and /datasets/...), redirects a
 * legacy id to its org/name the way the Hub does, and records every request path.
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface FakeHub {
  endpoint: string;
  requests: string[];
  close(): Promise<void>;
}

export interface FakeHubOptions {
  /** repo path (e.g. "verde-test/tiny-distilbert" or "datasets/stanfordnlp/imdb") -> local directory */
  repos: Record<string, string>;
  /** legacy id -> repo path, answered with a 307 like the Hub does for "distilbert-base-uncased" */
  redirects?: Record<string, string>;
  /** paths answered with a truncated body (Content-Length larger than what is sent) */
  truncate?: string[];
  /** paths answered with JSON (API routes); a function gets the server's endpoint to build URLs */
  json?: Record<string, unknown | ((endpoint: string) => unknown)>;
}

export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const requests: string[] = [];
  let endpoint = '';
  const server: Server = createServer(async (req, res) => {
    // Match on the raw path: a revision like refs%2Fconvert%2Fparquet is one segment until decoded.
    const rawPath = new URL(req.url ?? '/', 'http://x').pathname;
    const path = decodeURIComponent(rawPath);
    requests.push(path);
    for (const [legacy, target] of Object.entries(opts.redirects ?? {})) {
      if (path.startsWith(`/${legacy}/`)) {
        res.writeHead(307, { location: `/${target}/${path.slice(legacy.length + 2)}` }).end();
        return;
      }
    }
    if (opts.json && path in opts.json) {
      const v = opts.json[path];
      const body = JSON.stringify(typeof v === 'function' ? (v as (e: string) => unknown)(endpoint) : v);
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const m = /^\/(.+)\/resolve\/([^/]+)\/(.+)$/.exec(rawPath)?.map((g) => decodeURIComponent(g));
    const repoDir = m ? opts.repos[m[1]!] : undefined;
    if (!m || !repoDir) {
      res.writeHead(404).end('Repository not found');
      return;
    }
    const rev = m[2]!;
    let file = m[3]!;
    // Dataset parquet conversions live under refs/convert/parquet: map "<revision>/<file>" onto the directory.
    if (rev !== 'main') file = join(rev.replace(/\//g, '_'), file);
    try {
      const body = await readFile(join(repoDir, file));
      if (opts.truncate?.includes(path)) {
        res.writeHead(200, { 'content-length': String(body.length + 1000) });
        // Let the headers and the first bytes reach the client, then drop the connection.
        res.write(body.subarray(0, Math.min(10, body.length)), () => setTimeout(() => res.socket?.destroy(), 50));
        return;
      }
      res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    } catch {
      res.writeHead(404).end('Entry not found');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    requests,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/**
 * An endpoint that refuses connections, to play "offline": port 1023 on 127.0.0.1 (privileged, never
 * served here). A fixed privileged port, unlike a just-closed ephemeral one, cannot be taken by a
 * server another test starts in parallel.
 */
export async function closedPortEndpoint(): Promise<string> {
  return 'http://127.0.0.1:1023';
}
