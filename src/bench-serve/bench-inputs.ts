/**
 * Request bodies for the serving bench: seeded, so every scenario sees the same traffic. Texts mix
 * the tiny models' keywords with filler at varied lengths (so batches need padding, as real traffic
 * does); a "repeated" pool of a few inputs is the traffic a cache helps with.
 */
import type { ModelManifest } from '../registry/manifest.js';
import { HAM_WORDS, NEUTRAL_WORDS, SPAM_WORDS } from './tiny-models.js';
import { mulberry32 } from '../util/random.js';


const FILLER = ['hello', 'regarding', 'your', 'account', 'message', 'update', 'team', 'week', 'information', 'attached', 'details', 'below', 'we', 'have', 'an'];

function text(rand: () => number): string {
  const spammy = rand() < 0.5;
  const n = 4 + Math.floor(rand() * 36); // 4..39 words: varied lengths
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const pool = r < 0.3 ? (spammy ? SPAM_WORDS : HAM_WORDS) : r < 0.4 ? (spammy ? HAM_WORDS : SPAM_WORDS) : r < 0.7 ? NEUTRAL_WORDS : FILLER;
    words.push(pool[Math.floor(rand() * pool.length)]!);
  }
  return words.join(' ');
}

function tabularInstance(m: ModelManifest, rand: () => number): Record<string, unknown> {
  return Object.fromEntries(
    m.tabular!.features.map((f) => [
      f.name,
      f.type === 'categorical' ? (f.categories ?? ['x'])[Math.floor(rand() * (f.categories?.length ?? 1))] : Math.round(rand() * 1000 * 100) / 100,
    ]),
  );
}

/** `count` distinct request bodies of one instance each for model `m`. */
export function requestBodies(m: ModelManifest, count: number, seed = 1): string[] {
  const rand = mulberry32(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const inst = m.task === 'text-classification' ? { text: `${text(rand)} #${i}` } : tabularInstance(m, rand);
    out.push(JSON.stringify({ instances: [inst] }));
  }
  return out;
}
