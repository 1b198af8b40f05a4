/**
 * The synthetic world the generator samples from: regions, merchant categories with their amount
 * distributions and daily/weekly rhythms, merchants, and customers with home regions and habits.
 * An `institution` other than 0 is another bank: its own seed and shifted distributions (drift),
 * for the transfer-learning technique.
 */
import { Prng } from '../../util/random.js';

export interface Category {
  name: string;
  /** Log-normal amount: ln(median) and sigma. */
  logMedian: number;
  sigma: number;
  /** Share of this category's purchases made online. */
  online: number;
  /** Base popularity (weight among a customer's purchases). */
  weight: number;
  /** Relative activity per hour of day (24 entries). */
  hours: number[];
  /** Multiplier on Saturdays and Sundays. */
  weekend: number;
}

const DAY = [0.1, 0.05, 0.03, 0.03, 0.05, 0.2, 0.5, 0.9, 1.2, 1.3, 1.4, 1.5, 1.6, 1.5, 1.4, 1.4, 1.5, 1.6, 1.7, 1.6, 1.3, 0.9, 0.5, 0.25];
const EVENING = [0.2, 0.1, 0.05, 0.02, 0.02, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 1.4, 1.6, 1.2, 0.6, 0.5, 0.7, 1.0, 1.6, 2.0, 1.8, 1.2, 0.6];
const MORNING = [0.05, 0.02, 0.02, 0.02, 0.05, 0.3, 1.0, 2.0, 2.2, 1.6, 1.2, 1.0, 0.9, 0.8, 0.8, 0.9, 1.0, 1.1, 1.0, 0.7, 0.5, 0.3, 0.2, 0.1];
const ALLDAY = [0.4, 0.3, 0.25, 0.2, 0.2, 0.3, 0.5, 0.8, 1.0, 1.1, 1.1, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.3, 1.4, 1.5, 1.5, 1.4, 1.1, 0.7];

export const BASE_CATEGORIES: Category[] = [
  { name: 'grocery', logMedian: Math.log(32), sigma: 0.6, online: 0.08, weight: 3.0, hours: DAY, weekend: 1.2 },
  { name: 'restaurant', logMedian: Math.log(24), sigma: 0.5, online: 0.05, weight: 1.6, hours: EVENING, weekend: 1.5 },
  { name: 'coffee', logMedian: Math.log(3.5), sigma: 0.35, online: 0.0, weight: 2.0, hours: MORNING, weekend: 0.8 },
  { name: 'transport', logMedian: Math.log(7), sigma: 0.6, online: 0.15, weight: 1.6, hours: MORNING, weekend: 0.6 },
  { name: 'fuel', logMedian: Math.log(48), sigma: 0.35, online: 0.0, weight: 0.8, hours: DAY, weekend: 0.9 },
  { name: 'pharmacy', logMedian: Math.log(16), sigma: 0.6, online: 0.05, weight: 0.6, hours: DAY, weekend: 0.6 },
  { name: 'fashion', logMedian: Math.log(55), sigma: 0.7, online: 0.4, weight: 0.7, hours: DAY, weekend: 1.4 },
  { name: 'electronics', logMedian: Math.log(150), sigma: 0.9, online: 0.6, weight: 0.25, hours: ALLDAY, weekend: 1.3 },
  { name: 'travel', logMedian: Math.log(260), sigma: 0.8, online: 0.8, weight: 0.15, hours: ALLDAY, weekend: 1.1 },
  { name: 'digital', logMedian: Math.log(9), sigma: 0.7, online: 1.0, weight: 0.8, hours: ALLDAY, weekend: 1.2 },
  { name: 'cash', logMedian: Math.log(90), sigma: 0.5, online: 0.0, weight: 0.4, hours: DAY, weekend: 1.1 },
  { name: 'entertainment', logMedian: Math.log(28), sigma: 0.6, online: 0.3, weight: 0.5, hours: EVENING, weekend: 1.8 },
];

export interface Region {
  lat: number;
  lon: number;
}

export interface Merchant {
  id: number;
  category: number;
  /** Region of a physical shop; -1 for online-only merchants. */
  region: number;
}

export interface Customer {
  card: number;
  home: number;
  /** Transactions per day on average. */
  rate: number;
  /** Personal multiplier on amounts (habits: some spend more). */
  amountScale: number;
  /** Cumulative category weights (for fast sampling). */
  categoryCum: Float64Array;
  devices: number[];
  /** Probability that a physical purchase happens away from home (travel). */
  travel: number;
}

export interface World {
  institution: number;
  categories: Category[];
  regions: Region[];
  merchants: Merchant[];
  /** merchantsBy[category][region] lists physical merchant ids; onlineBy[category] online ones. */
  physicalBy: number[][][];
  onlineBy: number[][];
  customers: Customer[];
  nextDeviceId: number;
}

export interface WorldOptions {
  customers: number;
  merchants: number;
  institution: number;
  /** Strength of the distribution shift for institution > 0 (0..1). */
  drift: number;
}

export function buildWorld(rng: Prng, opts: WorldOptions): World {
  const drift = opts.institution === 0 ? 0 : opts.drift;
  // Another institution: amounts shifted up, category popularity perturbed, another country's map.
  const categories = BASE_CATEGORIES.map((c) => ({
    ...c,
    logMedian: c.logMedian + drift * 0.35 * (0.5 + rng.next()),
    sigma: c.sigma * (1 + drift * 0.2 * (rng.next() - 0.3)),
    online: Math.min(1, c.online + drift * 0.15),
    weight: c.weight * Math.exp(drift * 0.8 * rng.normal()),
  }));
  const latBase = 36 + drift * 8;
  const lonBase = -9 + drift * 10;
  const regions: Region[] = [];
  for (let r = 0; r < 50; r++) regions.push({ lat: latBase + rng.uniform(0, 7.5), lon: lonBase + rng.uniform(0, 12) });

  const merchants: Merchant[] = [];
  const physicalBy: number[][][] = categories.map(() => regions.map(() => [] as number[]));
  const onlineBy: number[][] = categories.map(() => []);
  const catWeights = categories.map((c) => c.weight);
  for (let id = 0; id < opts.merchants; id++) {
    const category = rng.pickWeighted(catWeights);
    const online = rng.chance(categories[category]!.online);
    const region = online ? -1 : rng.int(regions.length);
    merchants.push({ id, category, region });
    if (online) onlineBy[category]!.push(id);
    else physicalBy[category]![region]!.push(id);
  }
  // Every category must have at least one online and one physical merchant somewhere.
  categories.forEach((_, c) => {
    if (onlineBy[c]!.length === 0) {
      const id = merchants.length;
      merchants.push({ id, category: c, region: -1 });
      onlineBy[c]!.push(id);
    }
    if (physicalBy[c]!.every((l) => l.length === 0)) {
      const id = merchants.length;
      merchants.push({ id, category: c, region: 0 });
      physicalBy[c]![0]!.push(id);
    }
  });

  let nextDeviceId = 1 + opts.institution * 100_000_000;
  const customers: Customer[] = [];
  for (let i = 0; i < opts.customers; i++) {
    const weights = categories.map((c) => c.weight * rng.logNormal(0, 0.8));
    const cum = new Float64Array(weights.length);
    let acc = 0;
    weights.forEach((w, k) => { acc += w; cum[k] = acc; });
    const nDevices = 1 + (rng.chance(0.4) ? 1 : 0) + (rng.chance(0.1) ? 1 : 0);
    const devices: number[] = [];
    for (let d = 0; d < nDevices; d++) devices.push(nextDeviceId++);
    customers.push({
      card: 1 + opts.institution * 100_000_000 + i,
      home: rng.int(regions.length),
      rate: rng.logNormal(Math.log(1.3), 0.5),
      amountScale: rng.logNormal(0, 0.3),
      categoryCum: cum,
      devices,
      travel: rng.chance(0.2) ? 0.15 : 0.02,
    });
  }
  return { institution: opts.institution, categories, regions, merchants, physicalBy, onlineBy, customers, nextDeviceId };
}

/** Great-circle distance in km (used to place fraud far from home and by the data stage's flag). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}
