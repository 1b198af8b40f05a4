/** Parsing of serve's flag values; every error names the flag. */
import { UserError } from '../util/errors.js';
import { probabilityFlag } from './flags.js';
import type { CascadeSpec } from '../serve/options.js';

/**
 * --exit-threshold: a probability, or "off" to run models whole. Returns the string 'off' rather
 * than null: commander stores a parser's null as '' (which would read as threshold 0).
 */
export function exitThresholdFlag(value: string): number | 'off' {
  if (value === 'off') return 'off';
  return probabilityFlag('--exit-threshold')(value);
}

/** --cache lru | off | redis://host:port[/db] */
export function cacheFlag(value: string): string {
  if (value === 'lru' || value === 'off' || /^rediss?:\/\/.+/.test(value)) return value;
  throw new UserError(`--cache: expected lru, off or a redis:// URL (got "${value}")`);
}

/** --cascade small=DIR,large=DIR[,name=NAME] (repeatable). */
export function cascadeFlag(value: string, previous: CascadeSpec[] = []): CascadeSpec[] {
  const parts = Object.fromEntries(
    value.split(',').map((kv) => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UserError(`--cascade: expected small=DIR,large=DIR[,name=NAME] (got "${value}")`);
      return [kv.slice(0, eq).trim(), kv.slice(eq + 1).trim()];
    }),
  ) as Record<string, string>;
  const unknown = Object.keys(parts).find((k) => !['small', 'large', 'name'].includes(k));
  if (unknown) throw new UserError(`--cascade: unknown key "${unknown}" (keys: small, large, name)`);
  if (!parts.small || !parts.large) throw new UserError(`--cascade: both small=DIR and large=DIR are required (got "${value}")`);
  return [...previous, { small: parts.small, large: parts.large, ...(parts.name ? { name: parts.name } : {}) }];
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Sizes like 1048576, 512kb, 1mb. */
export function byteSizeFlag(flag: string) {
  return (value: string): number => {
    const m = /^(\d+)\s*(b|kb|kib|mb|mib)?$/i.exec(value.trim());
    if (!m) throw new UserError(`${flag}: expected a size like 1048576, 512kb or 1mb (got "${value}")`);
    const unit = (m[2] ?? 'b').toLowerCase();
    const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
    const n = Number(m[1]) * mult;
    if (n < 1) throw new UserError(`${flag}: must be at least 1 byte`);
    return n;
  };
}
