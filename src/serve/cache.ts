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

/** A Redis-backed cache shared by every replica pointing at the same server; entries expire after `ttlS`. */
export class RedisCache implements PredictionCache {
  readonly kind = 'redis' as const;
  private constructor(private readonly client: RedisClient, private readonly ttlS: number) {}

  static async connect(url: string, ttlS = 24 * 3600): Promise<RedisCache> {
    const { Redis } = await import('ioredis');
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    try {
      await client.connect();
      await client.ping();
    } catch (err) {
      client.disconnect();
      throw new UserError(`--cache ${url}: cannot reach Redis (${(err as Error).message})`);
    }
    return new RedisCache(client, ttlS);
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
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
