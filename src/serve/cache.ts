/**
 * Caching of repeated inferences (guide §3.4.1.4): the key is the model's version (plus anything
 * that changes its answers, such as the exit threshold) and exactly what the model receives, hashed. An
 * in-process LRU is the default; `redis://...` shares one cache between replicas (ioredis).
 */
import { createHash } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import { UserError } from '../util/errors.js';

export interface CachedPrediction {
  label: string;
  probabilities: number[];
}

export interface PredictionCache {
  readonly kind: 'lru' | 'redis';
  getMany(keys: string[]): Promise<Array<CachedPrediction | undefined>>;
  setMany(entries: Array<[string, CachedPrediction]>): Promise<void>;
  close(): Promise<void>;
}

/**
 * The cache key of one instance: sha256 over the model's cache scope and the model input's identity
 * (instances.ts, modelInputIdentity). The scope goes in with its length, so no scope and input
 * pair can be read as another (a version string may hold any character).
 */
export function cacheKey(scope: string, inputIdentity: string): string {
  return 'verde:pred:' + createHash('sha256').update(`${scope.length}:${scope}`).update(inputIdentity).digest('hex');
}

/** Least-recently-used map of at most `capacity` predictions (a Map keeps insertion order). */
export class LruCache implements PredictionCache {
  readonly kind = 'lru' as const;
  private readonly map = new Map<string, CachedPrediction>();
  constructor(private readonly capacity: number) {}

  async getMany(keys: string[]): Promise<Array<CachedPrediction | undefined>> {
    return keys.map((k) => {
      const v = this.map.get(k);
      if (v !== undefined) {
        this.map.delete(k);
        this.map.set(k, v);
      }
      return v;
    });
  }

  async setMany(entries: Array<[string, CachedPrediction]>): Promise<void> {
    for (const [k, v] of entries) {
      this.map.delete(k);
      this.map.set(k, v);
      if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
    }
  }

  async close(): Promise<void> {}
}

/** A redis:// URL without its password, fit for a log line. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** What a Redis cache reports about its connection after start: lost (with why) and back. */
export interface CacheConnectionEvents {
  onLost(reason: string): void;
  onRecovered(downSeconds: number): void;
}

/**
 * A Redis-backed cache shared by every replica pointing at the same server; entries expire after
 * `ttlS`. While Redis is down, every lookup is a miss and ioredis reconnects in the background; the
 * connection's errors are listened to here (without a listener ioredis prints "[ioredis] Unhandled
 * error event" and a stack on every reconnect attempt) and turned into one `onLost` when it goes and
 * one `onRecovered` when it is back.
 */
export class RedisCache implements PredictionCache {
  readonly kind = 'redis' as const;
  private up = true;
  private downSince = 0;
  private closing = false;
  private constructor(private readonly client: RedisClient, private readonly ttlS: number, events: CacheConnectionEvents) {
    const lost = (reason: string) => {
      if (!this.up || this.closing) return;
      this.up = false;
      this.downSince = performance.now();
      events.onLost(reason);
    };
    client.on('error', (err: Error) => lost(err.message || (err as NodeJS.ErrnoException).code || 'error'));
    client.on('close', () => lost('connection closed'));
    client.on('ready', () => {
      if (this.up) return;
      this.up = true;
      events.onRecovered((performance.now() - this.downSince) / 1000);
    });
  }

  static async connect(url: string, events: CacheConnectionEvents, ttlS = 24 * 3600): Promise<RedisCache> {
    const { Redis } = await import('ioredis');
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    // Until the cache is constructed, a failed connect is reported by the rejection below only.
    const quiet = () => undefined;
    client.on('error', quiet);
    try {
      await client.connect();
      await client.ping();
    } catch (err) {
      client.disconnect();
      throw new UserError(`--cache ${redactUrl(url)}: cannot reach Redis (${(err as Error).message})`);
    }
    client.off('error', quiet);
    return new RedisCache(client, ttlS, events);
  }

  async getMany(keys: string[]): Promise<Array<CachedPrediction | undefined>> {
    if (keys.length === 0) return [];
    try {
      const vals = await this.client.mget(...keys);
      return vals.map((v) => (v === null ? undefined : (JSON.parse(v) as CachedPrediction)));
    } catch {
      // A cache that cannot answer is a miss, never a failed request.
      return keys.map(() => undefined);
    }
  }

  async setMany(entries: Array<[string, CachedPrediction]>): Promise<void> {
    if (entries.length === 0) return;
    try {
      const multi = this.client.multi();
      for (const [k, v] of entries) multi.set(k, JSON.stringify(v), 'EX', this.ttlS);
      await multi.exec();
    } catch {
      // Best effort: the prediction was answered; failing to store it only costs a later miss.
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
