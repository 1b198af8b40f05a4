/** The registry's records on the terminal (the same records `--json` prints whole). */
import type { ModelRecord } from '../registry/db/types.js';
import type { LogEntry } from '../registry/db/query.js';

const fig = (v: number | null | undefined, d = 4) => (typeof v === 'number' ? (Number.isInteger(v) && Math.abs(v) < 1e12) ? String(v) : (Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6) ? v.toExponential(2) : Number(v.toPrecision(d)).toString()) : 'n/a');

export function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i]!)).join('  ').trimEnd();
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n') + '\n';
}

export function listText(models: (ModelRecord & { aliases: string[] })[]): string {
  if (!models.length) return 'the registry is empty (verde registry register DIR, or verde fraud --register)\n';
  return table(['model', 'status', 'task', 'metrics', 'J/inference', 'train J', 'size B', 'parent', 'aliases', 'registered'],
    models.map((m) => [`${m.name}@${m.version}`, m.status, m.task, Object.entries(m.metrics).map(([k, v]) => `${k} ${fig(v)}`).join(', ') || 'n/a',
      fig(m.energy.jPerInference), fig(m.energy.trainJ), String(m.sizeBytes), m.lineage.parent ?? '', m.aliases.join(','), `${m.registeredAt} ${m.registeredBy}`]));
}

export function showText(m: ModelRecord & { aliases: string[] }): string {
  const l = [
    `${m.name}@${m.version}  (id ${m.id}, ${m.status}${m.aliases.length ? `, aliases: ${m.aliases.join(', ')}` : ''})`,
    `registered ${m.registeredAt} by ${m.registeredBy} from ${m.sourceDir}`,
    `task ${m.task}; labels ${m.labels.join(', ')}; manifest version ${m.manifestVersion}`,
    `lineage: ${m.lineage.technique ?? 'n/a'}${m.lineage.parent ? `, from ${m.lineage.parent}` : ''}`,
    `metrics: ${Object.entries(m.metrics).map(([k, v]) => `${k} ${fig(v)}`).join(', ') || 'none recorded'}`,
    `energy (${m.energy.method}): ${fig(m.energy.jPerInference)} J/inference; training ${fig(m.energy.trainJ)} J, ${fig(m.energy.trainCo2eG)} g CO2e`,
    `size: ${m.sizeBytes} bytes in ${m.files.length} files`,
    `params: ${JSON.stringify(m.params)}`,
  ];
  if (m.data) {
    l.push(`data: ${m.data.source} (sha256 ${m.data.hash.slice(0, 16)}...), ${m.data.rows ?? '?'} rows, labels ${JSON.stringify(m.data.labelBalance)}`);
    l.push(`schema: ${m.data.schema.map((s) => `${s.name}:${s.type}`).join(', ')}`);
    if (m.data.profile.length) {
      l.push('profile (min / mean / max, missing share):');
      for (const p of m.data.profile) l.push(`  ${p.name}: ${fig(p.min)} / ${fig(p.mean)} / ${fig(p.max)}, ${fig(p.missing, 2)}`);
    }
  } else l.push('data: no fingerprint recorded');
  for (const f of m.files) l.push(`  file ${f.path}  ${f.bytes} B  sha256 ${f.sha256.slice(0, 16)}...`);
  return l.join('\n') + '\n';
}

export function diffText(d: { a: string; b: string; rows: { section: string; key: string; a: unknown; b: unknown }[] }): string {
  if (!d.rows.length) return `${d.a} and ${d.b}: no differences in metrics, energy, params or data\n`;
  const s = (v: unknown) => (typeof v === 'number' ? fig(v) : v === null ? 'n/a' : typeof v === 'string' ? v : JSON.stringify(v));
  return table(['section', 'field', d.a, d.b], d.rows.map((r) => [r.section, r.key, s(r.a), s(r.b)]));
}

export function logText(entries: LogEntry[]): string {
  return entries.map((e) => `${e.seq}  ${e.at}  ${e.who}  ${e.action}  ${e.subject}${Object.keys(e.detail).length ? `  ${JSON.stringify(e.detail)}` : ''}`).join('\n') + '\n';
}
