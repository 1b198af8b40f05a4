/** The report as Markdown: the same content as the HTML page, tables instead of charts. */
import type { ReportData } from './data.js';
import { fmt } from './html-parts.js';

const row = (cells: unknown[]) => `| ${cells.map((c) => String(c ?? '').replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (head: string[], rows: unknown[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

export function reportMarkdown(d: ReportData): string {
  const out: string[] = ['# verde report', '', `Written ${d.createdAt}. Every energy figure names its method.`, '', '## Runs', ''];
  out.push(table(['run', 'command', 'started', 'energy J', 'gCO2e', 'method', 'grid g/kWh (source)', 'hardware'], d.runs.map((r) => [r.id.slice(0, 8), r.command, r.startedAt, fmt(r.energyJ), fmt(r.co2eGrams), r.energyMethod, `${fmt(r.carbon.gPerKWh)} (${r.carbon.source})`, `${r.hardware.cpuModel}, ${r.hardware.threads} threads${r.hardware.gpus.length ? ', ' + r.hardware.gpus.join(', ') : ''}`])));
  if (d.recommended.length) out.push('', '## Most sustainable option for the same use', '', ...d.recommended.map((x) => `- **${x.task}**: **${x.variant}** — ${x.why}`));
  if (d.winners.length) out.push('', '## Winner per criterion', '', table(['task', 'criterion', 'variant', 'value', 'method'], d.winners.map((w) => [w.task, w.criterion, w.variant, `${fmt(w.value)} ${w.unit}`, w.method])));
  out.push('', '## Variants', '', table(['variant', 'run', 'quality', 'J/inference', 'J/correct', 'latency ms', 'size bytes', 'gCO2e', 'label', 'Pareto', 'SCI gCO2e/R', 'method'],
    d.variants.map((v) => [v.name, v.runId.slice(0, 8), v.quality === null ? '' : `${fmt(v.quality)} ${v.qualityMetric}`, fmt(v.energyJPerInference), fmt(v.energyJPerCorrect), fmt(v.latencyMs), fmt(v.sizeBytes), fmt(v.co2eGrams), v.label ? `${v.label.letter} (${fmt(v.label.jPer1000)} J/1k)` : '', v.pareto ? 'yes' : '', fmt(v.sciPerInference?.sci), v.energyMethod])));
  out.push('', '## Energy by life-cycle phase (J)', '', table(['run', 'data', 'training', 'compression', 'evaluation', 'serving', 'other'], d.phases.map((p) => [p.label, ...(['data', 'training', 'compression', 'evaluation', 'serving', 'other'] as const).map((k) => fmt(p.byPhase[k]))])));
  out.push('', '## The same energy in other grids (gCO2e)', '', ...d.grids.map((g) => `- ${g.label}: ${g.grams.map((x) => `${x.grid} ${fmt(x.co2eGrams)}`).join(', ')}`));
  out.push('', '## UNE 0086-aligned metrics and SCI', '', `${d.sci.terms}. M: ${d.sci.embodied.source}${d.sci.embodied.modelled ? ' (documented default, modelled)' : ''}.`, '');
  for (const u of d.une) out.push(`- ${u.command} ${u.runId.slice(0, 8)}: ${fmt(u.kWhPerRun)} kWh per run [${u.energyMethod}${u.modelled ? ', modelled' : ''}], ${fmt(u.co2eGrams)} gCO2e at ${u.carbon}, water ${u.waterLitres === null ? 'not reported (no WUE)' : `${fmt(u.waterLitres)} L`}, SCI per run ${fmt(u.sciPerRun.sci)} gCO2e`);
  out.push('', '## Energy label bands', '', `${d.labelBands.unit}; ${d.labelBands.how}.`, '', table(['task class', 'A', 'B', 'C', 'D', 'E', 'F'], Object.entries(d.labelBands.edges).map(([t, e]) => [t, ...e.map((x) => `< ${x}`)])));
  return out.join('\n') + '\n';
}
