/**
 * The Redis behind `--queue redis://HOST:PORT[/DB]`: parsed into BullMQ's connection options, and
 * checked once before anything is queued or taken, so an unreachable Redis is one line and exit 2
 * after CONNECT_TIMEOUT_MS instead of BullMQ reconnecting forever in silence.
 */
import { UserError } from '../util/errors.js';
import { redactUrl } from '../serve/cache.js';

/** The BullMQ queue all `verde score`/`verde worker` processes on one Redis share. */
export const QUEUE_NAME = 'verde-score';
export const CONNECT_TIMEOUT_MS = 3_000;

export interface RedisConnection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  /** BullMQ workers require null: a blocking command must wait, not fail after N retries. */
  maxRetriesPerRequest: null;
}

export function parseQueueUrl(url: string, flag = '--queue'): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`${flag} ${url}: not a URL (expected redis://HOST:PORT)`);
  }
  if (u.protocol !== 'redis:') throw new UserError(`${flag} ${redactUrl(url)}: expected a redis:// URL`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UserError(`${flag} ${redactUrl(url)}: the path must be a database number (redis://HOST:PORT/0)`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Connect and PING once, or throw a one-line UserError naming the URL and the timeout. */
export async function checkRedis(url: string, conn: RedisConnection, flag = '--queue'): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...conn, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let cause = '';
  client.on('error', (err: NodeJS.ErrnoException) => { cause ||= err.code ?? err.message; }); // reported below
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new UserError(`${flag} ${redactUrl(url)}: cannot reach Redis at ${conn.host}:${conn.port} (${cause || (err as Error).message}; connect timeout ${CONNECT_TIMEOUT_MS / 1000} s)`);
  } finally {
    client.disconnect();
  }
}
