/**
 * The usage files `verde serve --registry` writes to PATH/usage/ (format verde-usage/1, see
 * docs/registry.md): one per served model per serve process, each the cumulative figures of that
 * process. Read here per registered name and version; unreadable or foreign files are skipped.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface UsageFile {
  file: string;
  name: string;
  version: number;
  from: string;
  to: string;
  requests: number;
  rows: number;
  predictedLabels: Record<string, number>;
  features?: { names: string[]; sample: (number | null)[][] };
  tokenLengths?: number[];
}

export async function readUsage(dir: string): Promise<{ files: UsageFile[]; skipped: string[] }> {
  let names: string[] = [];
  try { names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort(); } catch { return { files: [], skipped: [] }; }
  const files: UsageFile[] = [];
  const skipped: string[] = [];
  for (const n of names) {
    try {
      const u = JSON.parse(await readFile(join(dir, n), 'utf8')) as Record<string, unknown>;
      if (u.format !== 'verde-usage/1' || typeof u.name !== 'string' || !Number.isInteger(u.version)) { skipped.push(n); continue; }
      files.push({ ...(u as unknown as UsageFile), file: n, requests: Number(u.requests) || 0, rows: Number(u.rows) || 0 });
    } catch {
      skipped.push(n);
    }
  }
  return { files, skipped };
}

/** Usage of one registered version: files, total requests, time of the last flush that saw requests. */
export function usageOf(files: UsageFile[], name: string, version: number): { files: UsageFile[]; requests: number; lastServed: string | null } {
  const mine = files.filter((f) => f.name === name && f.version === version);
  const served = mine.filter((f) => f.requests > 0).map((f) => f.to).sort();
  return { files: mine, requests: mine.reduce((a, f) => a + f.requests, 0), lastServed: served[served.length - 1] ?? null };
}
