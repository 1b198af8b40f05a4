/** Reading the registry: list, show, diff and the change log (viewer role). */
import { requireRole } from './auth.js';
import { listAliases } from './aliases.js';
import { allModels, getModel, type Registry } from './open.js';
import type { ModelRecord } from './types.js';

export function listModels(reg: Registry): (ModelRecord & { aliases: string[] })[] {
  requireRole(reg.actor, 'list', 'viewer');
  const aliases = listAliases(reg);
  return allModels(reg.db).map((m) => ({ ...m, aliases: aliases.filter((a) => a.name === m.name && a.version === m.version).map((a) => a.alias) }));
}

export function showModel(reg: Registry, ref: string): ModelRecord & { aliases: string[] } {
  requireRole(reg.actor, 'show', 'viewer');
  const m = getModel(reg.db, ref);
  return { ...m, aliases: listAliases(reg, m.name).filter((a) => a.version === m.version).map((a) => a.alias) };
}

export interface DiffRow { section: string; key: string; a: unknown; b: unknown }

const flat = (section: string, o: Record<string, unknown> | null | undefined) => Object.entries(o ?? {}).map(([k, v]) => [section, k, v] as const);

/** Field by field differences of A and B: metrics, energy, params, data (equal fields left out). */
export function diffModels(reg: Registry, refA: string, refB: string): { a: string; b: string; rows: DiffRow[] } {
  requireRole(reg.actor, 'diff', 'viewer');
  const a = getModel(reg.db, refA);
  const b = getModel(reg.db, refB);
  const dataSummary = (m: ModelRecord) => (m.data ? { hash: m.data.hash, source: m.data.source, rows: m.data.rows, labelBalance: JSON.stringify(m.data.labelBalance), schema: m.data.schema.map((s) => s.name).join(',') } : {});
  const side = (m: ModelRecord) => new Map<string, unknown>([
    ...flat('metrics', m.metrics), ...flat('energy', m.energy as unknown as Record<string, unknown>), ...flat('params', m.params),
    ...flat('data', dataSummary(m)), ['model|sizeBytes', m.sizeBytes], ['model|task', m.task], ['model|parent', m.lineage.parent ?? null],
  ].map((e) => (e.length === 3 ? [`${e[0]}|${e[1]}`, e[2]] : e) as [string, unknown]));
  const sa = side(a);
  const sb = side(b);
  const rows: DiffRow[] = [];
  for (const key of [...new Set([...sa.keys(), ...sb.keys()])]) {
    const va = sa.get(key) ?? null;
    const vb = sb.get(key) ?? null;
    if (JSON.stringify(va) === JSON.stringify(vb)) continue;
    const [section, k] = key.split('|') as [string, string];
    rows.push({ section, key: k, a: va, b: vb });
  }
  return { a: `${a.name}@${a.version}`, b: `${b.name}@${b.version}`, rows };
}

export interface LogEntry { seq: number; at: string; who: string; action: string; subject: string; detail: Record<string, unknown> }

export function readLog(reg: Registry, limit?: number): LogEntry[] {
  requireRole(reg.actor, 'log', 'viewer');
  const rows = reg.db.prepare(`SELECT seq, at, who, action, subject, detail FROM log ORDER BY seq ${limit ? 'DESC LIMIT ' + Math.floor(limit) : ''}`).all() as (Omit<LogEntry, 'detail'> & { detail: string })[];
  const out = rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  return limit ? out.reverse() : out;
}
