/**
 * Day-by-day simulation of card transactions: legitimate purchases following each customer's
 * habits and the categories' daily/weekly rhythms, fraud episodes (card testing, account takeover,
 * out-of-pattern high amounts), and injected exact and near duplicates. One day is held in memory at
 * a time, so any number of rows streams to disk with bounded memory.
 */
import { Prng, mixSeeds } from '../../util/random.js';
import { buildWorld, haversineKm, type Customer, type World } from './world.js';

export interface Transaction {
  txId: number;
  /** Unix seconds (UTC). */
  ts: number;
  card: number;
  merchant: number;
  category: string;
  channel: 'pos' | 'online';
  /** Amount in cents (integer, so that formatting is exact and deterministic). */
  amountCents: number;
  /** The customer's (or the fraudster's) device for online purchases; null for card-present ones. */
  device: number | null;
  lat: number;
  lon: number;
  homeLat: number;
  homeLon: number;
  fraud: 0 | 1;
}

export type FraudPattern = 'cardTesting' | 'accountTakeover' | 'highAmount';

export interface GenerateOptions {
  /** Exact number of rows to produce (duplicates included). */
  rows: number;
  /** PRNG seed; the same seed (and options) gives the same rows. Default 42. */
  seed?: number;
  /** 0 = the home institution; any other value is another bank with its own seed and drifted distributions. */
  institution?: number;
  /** Strength of the shift for institution > 0, 0..1 (default 0.5). Ignored for institution 0. */
  drift?: number;
  /** Target share of fraudulent rows (default 0.005). */
  fraudRate?: number;
  /** Share of rows followed by an exact copy (default 0.01). */
  exactDuplicateRate?: number;
  /** Share of rows followed by a near copy: new id, a few seconds later, same card/merchant/amount (default 0.005). */
  nearDuplicateRate?: number;
  /** First day, YYYY-MM-DD (default 2026-01-01). */
  startDate?: string;
  /** Number of customers (default rows / 40, between 50 and 250,000). */
  customers?: number;
}

export interface GenerateStats {
  rows: number;
  fraudRows: number;
  fraudRowsByPattern: Record<FraudPattern, number>;
  exactDuplicates: number;
  nearDuplicates: number;
  days: number;
  customers: number;
  merchants: number;
  institution: number;
  seed: number;
}

const PATTERN_SHARE: Record<FraudPattern, number> = { cardTesting: 0.35, accountTakeover: 0.35, highAmount: 0.3 };
const PATTERN_ROWS: Record<FraudPattern, number> = { cardTesting: 8.5, accountTakeover: 3.5, highAmount: 1.25 };

export function resolveOptions(opts: GenerateOptions): Required<GenerateOptions> {
  const rows = Math.floor(opts.rows);
  if (!Number.isFinite(rows) || rows < 1) throw new RangeError(`rows must be a positive integer (got ${opts.rows})`);
  return {
    rows,
    seed: opts.seed ?? 42,
    institution: opts.institution ?? 0,
    drift: opts.drift ?? 0.5,
    fraudRate: opts.fraudRate ?? 0.005,
    exactDuplicateRate: opts.exactDuplicateRate ?? 0.01,
    nearDuplicateRate: opts.nearDuplicateRate ?? 0.005,
    startDate: opts.startDate ?? '2026-01-01',
    customers: opts.customers ?? Math.min(250_000, Math.max(50, Math.round(rows / 40))),
  };
}

/**
 * Yields the transactions one day at a time, in time order, until exactly `rows` rows were produced.
 * `stats` is filled in as the days are produced (complete once the generator is exhausted).
 */
export function* generateTransactionDays(options: GenerateOptions, stats?: GenerateStats): Generator<Transaction[]> {
  const o = resolveOptions(options);
  const rng = new Prng(mixSeeds(o.seed, o.institution));
  const world = buildWorld(rng.fork(), {
    customers: o.customers,
    merchants: Math.min(50_000, Math.max(60, Math.round(o.customers / 8))),
    institution: o.institution,
    drift: o.drift,
  });
  const s: GenerateStats = stats ?? ({} as GenerateStats);
  Object.assign(s, {
    rows: 0, fraudRows: 0, fraudRowsByPattern: { cardTesting: 0, accountTakeover: 0, highAmount: 0 },
    exactDuplicates: 0, nearDuplicates: 0, days: 0, customers: world.customers.length,
    merchants: world.merchants.length, institution: o.institution, seed: o.seed,
  } satisfies GenerateStats);
  const start = Date.parse(`${o.startDate}T00:00:00Z`) / 1000;
  if (!Number.isFinite(start)) throw new RangeError(`startDate must be YYYY-MM-DD (got ${o.startDate})`);
  const hourCum = world.categories.map((c) => cumulative(c.hours));
  let nextTxId = 1 + o.institution * 1_000_000_000;

  for (let day = 0; s.rows < o.rows; day++) {
    const dayStart = start + day * 86400;
    const weekday = new Date(dayStart * 1000).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const txs: Transaction[] = [];
    for (const cust of world.customers) {
      const n = rng.poisson(cust.rate * (weekend ? 1.1 : 1));
      for (let k = 0; k < n; k++) txs.push(legitimate(rng, world, cust, dayStart, weekend, hourCum));
    }
    const fraudTarget = (txs.length * o.fraudRate) / (1 - o.fraudRate);
    for (const pattern of Object.keys(PATTERN_SHARE) as FraudPattern[]) {
      const events = rng.poisson((fraudTarget * PATTERN_SHARE[pattern]) / PATTERN_ROWS[pattern]);
      for (let e = 0; e < events; e++) {
        const victim = world.customers[rng.int(world.customers.length)]!;
        const rows = fraudEpisode(pattern, rng, world, victim, dayStart);
        s.fraudRowsByPattern[pattern] += rows.length;
        txs.push(...rows);
      }
    }
    txs.sort(byTime);
    for (const t of txs) t.txId = nextTxId++;

    // Duplicates: exact copies (a replayed record) and near copies (a resubmission seconds later).
    const withDups: Transaction[] = [];
    const exact = new Set<Transaction>();
    const near = new Set<Transaction>();
    for (const t of txs) {
      withDups.push(t);
      if (rng.chance(o.exactDuplicateRate)) {
        const copy = { ...t };
        withDups.push(copy);
        exact.add(copy);
      }
      if (rng.chance(o.nearDuplicateRate)) {
        const copy = { ...t, txId: nextTxId++, ts: Math.min(dayStart + 86399, t.ts + 1 + rng.int(60)) };
        withDups.push(copy);
        near.add(copy);
      }
    }
    withDups.sort(byTime);
    const room = o.rows - s.rows;
    const out = withDups.length > room ? withDups.slice(0, room) : withDups;
    // Counted on what is written (the last day is cut at `rows`); an exact copy cut apart from its original is not a duplicate.
    const ids = new Set<number>();
    for (const t of out) {
      s.fraudRows += t.fraud;
      if (exact.has(t) && ids.has(t.txId)) s.exactDuplicates++;
      if (near.has(t)) s.nearDuplicates++;
      ids.add(t.txId);
    }
    s.rows += out.length;
    s.days++;
    yield out;
  }
}

function byTime(a: Transaction, b: Transaction): number {
  return a.ts - b.ts || a.card - b.card || a.txId - b.txId;
}

function cumulative(w: number[]): Float64Array {
  const c = new Float64Array(w.length);
  let acc = 0;
  w.forEach((x, i) => { acc += x; c[i] = acc; });
  return c;
}

function pickCum(rng: Prng, cum: Float64Array): number {
  const r = rng.next() * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function jitter(rng: Prng, v: number, by: number): number {
  return Math.round((v + rng.uniform(-by, by)) * 10000) / 10000;
}

function cents(amount: number): number {
  return Math.max(50, Math.round(amount * 100));
}

function physicalMerchant(rng: Prng, world: World, category: number, region: number): number {
  const here = world.physicalBy[category]![region]!;
  if (here.length > 0) return here[rng.int(here.length)]!;
  const lists = world.physicalBy[category]!;
  const startAt = rng.int(lists.length);
  for (let i = 0; i < lists.length; i++) {
    const l = lists[(startAt + i) % lists.length]!;
    if (l.length > 0) return l[rng.int(l.length)]!;
  }
  throw new Error('no physical merchant for category'); // buildWorld guarantees one
}

function legitimate(rng: Prng, world: World, cust: Customer, dayStart: number, weekend: boolean, hourCum: Float64Array[]): Transaction {
  let cat = pickCum(rng, cust.categoryCum);
  // Weekly rhythm: on weekends categories with a low weekend factor are re-drawn more often.
  for (let tries = 0; weekend && tries < 3 && rng.next() > world.categories[cat]!.weekend / 1.8; tries++) cat = pickCum(rng, cust.categoryCum);
  const c = world.categories[cat]!;
  const hour = pickCum(rng, hourCum[cat]!);
  const ts = dayStart + hour * 3600 + rng.int(3600);
  const home = world.regions[cust.home]!;
  // Now and then a genuine splurge (a new TV, a holiday): legit rows that look like out-of-pattern fraud.
  const splurge = rng.chance(0.004) ? rng.uniform(5, 15) : 1;
  const amountCents = cents(rng.logNormal(c.logMedian, c.sigma) * cust.amountScale * splurge);
  if (rng.chance(c.online)) {
    const list = world.onlineBy[cat]!;
    // A genuine new device (new phone, a borrowed laptop) from time to time; it becomes one of theirs.
    if (rng.chance(0.01)) cust.devices.push(world.nextDeviceId++);
    // Online purchases are geolocated by IP: at home, or wherever the customer travels.
    const at = rng.chance(cust.travel) ? world.regions[rng.int(world.regions.length)]! : home;
    return {
      txId: 0, ts, card: cust.card, merchant: list[rng.int(list.length)]!, category: c.name, channel: 'online', amountCents,
      device: cust.devices[rng.int(cust.devices.length)]!, lat: jitter(rng, at.lat, 0.05), lon: jitter(rng, at.lon, 0.05),
      homeLat: home.lat, homeLon: home.lon, fraud: 0,
    };
  }
  const region = rng.chance(cust.travel) ? rng.int(world.regions.length) : cust.home;
  const m = physicalMerchant(rng, world, cat, region);
  const at = world.regions[world.merchants[m]!.region]!;
  return {
    txId: 0, ts, card: cust.card, merchant: m, category: c.name, channel: 'pos', amountCents, device: null,
    lat: jitter(rng, at.lat, 0.05), lon: jitter(rng, at.lon, 0.05), homeLat: home.lat, homeLon: home.lon, fraud: 0,
  };
}

function farRegion(rng: Prng, world: World, from: number): number {
  const h = world.regions[from]!;
  for (let i = 0; i < 20; i++) {
    const r = rng.int(world.regions.length);
    const p = world.regions[r]!;
    if (haversineKm(h.lat, h.lon, p.lat, p.lon) > 300) return r;
  }
  return rng.int(world.regions.length);
}

function categoryIndex(world: World, name: string): number {
  return world.categories.findIndex((c) => c.name === name);
}

function fraudEpisode(pattern: FraudPattern, rng: Prng, world: World, victim: Customer, dayStart: number): Transaction[] {
  const home = world.regions[victim.home]!;
  const base = { txId: 0, card: victim.card, homeLat: home.lat, homeLon: home.lon, fraud: 1 as const };
  const out: Transaction[] = [];
  if (pattern === 'cardTesting') {
    // A burst of tiny online charges at different merchants from an unknown device, often followed by a cash-out.
    const device = world.nextDeviceId++;
    const where = world.regions[rng.chance(0.3) ? victim.home : farRegion(rng, world, victim.home)]!;
    const digital = categoryIndex(world, 'digital');
    let ts = dayStart + rng.int(86400 - 3600);
    const n = 4 + rng.int(9);
    for (let i = 0; i < n; i++) {
      const list = world.onlineBy[digital]!;
      out.push({ ...base, ts, merchant: list[rng.int(list.length)]!, category: 'digital', channel: 'online',
        amountCents: rng.chance(0.7) ? 50 + rng.int(250) : cents(rng.logNormal(Math.log(6), 0.5)), device, lat: jitter(rng, where.lat, 0.05), lon: jitter(rng, where.lon, 0.05) });
      ts += 10 + rng.int(110);
    }
    if (rng.chance(0.5)) {
      const el = categoryIndex(world, 'electronics');
      const list = world.onlineBy[el]!;
      out.push({ ...base, ts: ts + rng.int(600), merchant: list[rng.int(list.length)]!, category: 'electronics', channel: 'online',
        amountCents: cents(rng.uniform(300, 1500)), device, lat: jitter(rng, where.lat, 0.05), lon: jitter(rng, where.lon, 0.05) });
    }
  } else if (pattern === 'accountTakeover') {
    // A new device, a geographic jump, several larger online purchases within a couple of hours.
    const device = world.nextDeviceId++;
    // Mostly a geographic jump; sometimes a local fraudster (or a VPN exit near the victim).
    const where = world.regions[rng.chance(0.3) ? victim.home : farRegion(rng, world, victim.home)]!;
    let ts = dayStart + rng.int(86400 - 6 * 3600);
    const n = 2 + rng.int(4);
    for (let i = 0; i < n; i++) {
      const name = ['electronics', 'travel', 'fashion', 'cash'][rng.int(4)]!;
      const cat = categoryIndex(world, name);
      const c = world.categories[cat]!;
      const physical = name === 'cash';
      const merchant = physical
        ? physicalMerchant(rng, world, cat, world.regions.indexOf(where))
        : world.onlineBy[cat]![rng.int(world.onlineBy[cat]!.length)]!;
      out.push({ ...base, ts, merchant, category: name, channel: physical ? 'pos' : 'online',
        amountCents: cents(rng.logNormal(c.logMedian, c.sigma) * rng.uniform(1.5, 3)), device: physical ? null : device,
        lat: jitter(rng, where.lat, 0.05), lon: jitter(rng, where.lon, 0.05) });
      ts += 60 + rng.int(3000);
    }
  } else {
    // Out-of-pattern amount: many times the customer's usual spend, often at night, on a known device.
    const name = ['electronics', 'travel', 'cash', 'fashion'][rng.int(4)]!;
    const cat = categoryIndex(world, name);
    const c = world.categories[cat]!;
    const n = rng.chance(0.25) ? 2 : 1;
    let ts = dayStart + (rng.chance(0.6) ? rng.int(5 * 3600) : rng.int(86400 - 3600));
    for (let i = 0; i < n; i++) {
      const online = name !== 'cash' && rng.chance(0.7);
      const merchant = online
        ? world.onlineBy[cat]![rng.int(world.onlineBy[cat]!.length)]!
        : physicalMerchant(rng, world, cat, victim.home);
      const at = online ? home : world.regions[world.merchants[merchant]!.region]!;
      out.push({ ...base, ts, merchant, category: name, channel: online ? 'online' : 'pos',
        amountCents: cents(Math.exp(c.logMedian) * victim.amountScale * rng.uniform(8, 25)),
        device: online ? victim.devices[rng.int(victim.devices.length)]! : null,
        lat: jitter(rng, at.lat, 0.05), lon: jitter(rng, at.lon, 0.05) });
      ts += 120 + rng.int(1800);
    }
  }
  return out;
}
