/** The profile as a terminal table. */
import { formatFigure } from '../../util/format.js';
import type { DataProfile } from './profile.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;

export function formatProfile(p: DataProfile): string {
  const lines = [`${p.file} (${p.format}): ${p.rows} rows x ${p.columns.length} columns`];
  const head = ['column', 'type', 'missing', 'distinct', 'top value', 'min', 'max', 'mean', 'note'];
  const body = p.columns.map((c) => [c.name, c.type, pct(c.missingShare), String(c.distinct), pct(c.topShare),
    formatFigure(c.min), formatFigure(c.max), formatFigure(c.mean), c.nearConstant ? 'near-constant' : '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  for (const r of [head, ...body]) lines.push(r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
  lines.push(p.correlatedPairs.length
    ? `highly correlated (|r| > ${p.corrThreshold}): ${p.correlatedPairs.map((q) => `${q.a} ~ ${q.b} (r = ${q.r.toFixed(3)})`).join(', ')}`
    : `highly correlated (|r| > ${p.corrThreshold}): none`);
  const left = p.nearDuplicateKey.columnsLeftOut;
  lines.push(`duplicates: ${p.exactDuplicates} exact, ${p.nearDuplicates} more near (text case/space, numbers to ${p.nearDuplicateKey.decimals} decimals${left.length ? `; identifier-like left out: ${left.join(', ')}` : ''})`);
  if (p.label) lines.push(`label ${p.label.column}: ${p.label.classes.map((c) => `${c.value} ${c.rows} (${pct(c.share)})`).join(', ')}`);
  lines.push(`bytes: ${mb(p.bytes.asRead)} as read, ${mb(p.bytes.zstdParquet)} as zstd Parquet (${(p.bytes.asRead / p.bytes.zstdParquet).toFixed(1)}x); ${p.seconds.toFixed(2)} s`);
  return lines.join('\n');
}
