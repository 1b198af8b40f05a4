/** Terminal text for `verde runs list|show|diff`. */
import { formatFigure } from '../util/format.js';
import type { RunSummary } from './runs.js';
import type { RunRecord, VariantRecord } from './types.js';

const fmt = (v: number | null | undefined, digits = 4): string => formatFigure(v, digits, '-');

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export function runsListText(rows: RunSummary[]): string {
  if (!rows.length) return 'no runs recorded yet\n';
  return table(['run', 'command', 'started', 'duration s', 'energy J', 'gCO2e', 'variants', 'method'],
    rows.map((r) => [r.id, r.command + (r.status === 'running' ? ' (running)' : ''), r.startedAt.slice(0, 19), fmt(r.durationS), fmt(r.energyJ), fmt(r.co2eGrams), String(r.variants), r.energyMethod])) + '\n';
}

const VARIANT_FIGURES: [string, (v: VariantRecord) => number | null][] = [
  ['accuracy', (v) => v.accuracy], ['macro-F1', (v) => v.macroF1], ['ROC-AUC', (v) => v.rocAuc], ['PR-AUC', (v) => v.prAuc],
  ['latency ms', (v) => v.latencyMs], ['throughput/s', (v) => v.throughputPerS], ['size B', (v) => v.sizeBytes],
  ['J/inference', (v) => v.energyJPerInference], ['J/correct', (v) => v.energyJPerCorrect], ['gCO2e', (v) => v.co2eGrams],
];

export function runShowText(r: RunRecord): string {
  const out = [
    `run ${r.id}: ${r.command}${r.status === 'running' ? ' (serve session still running)' : ''}`,
    `started ${r.startedAt}, ${fmt(r.durationS)} s; cwd ${r.cwd}${r.gitCommit ? `; git ${r.gitCommit}` : ''}`,
    `flags: ${JSON.stringify(r.flags)}`,
    `hardware: ${r.hardware.cpuModel}, ${r.hardware.threads} threads, ${fmt(r.hardware.ramGiB, 3)} GiB RAM${r.hardware.gpus.length ? `, GPUs: ${r.hardware.gpus.join(', ')}` : ', no GPU'}`,
    `carbon: ${fmt(r.carbon.gPerKWh)} gCO2e/kWh (${r.carbon.source})${r.carbon.countryName ? `, ${r.carbon.countryName}` : ''}`,
    `energy: ${fmt(r.energyJ)} J = ${fmt(r.energyJ / 3.6e6)} kWh, ${fmt(r.co2eGrams)} gCO2e [${r.energyMethod}]${r.waterLitres !== null ? `, water ${fmt(r.waterLitres)} L` : ''}`,
  ];
  if (r.components.length) out.push('components: ' + r.components.map((c) => `${c.component} ${fmt(c.energyJ)} J [${c.method}]`).join(', '));
  if (r.phases.length) out.push('', table(['phase', 'life-cycle', 'energy J', 'gCO2e', 'method'], r.phases.map((p) => [p.name, p.phase, fmt(p.energyJ), fmt(p.co2eGrams), p.method])));
  if (r.variants.length) out.push('', table(['variant', ...VARIANT_FIGURES.map((f) => f[0]), 'method'], r.variants.map((v) => [v.name, ...VARIANT_FIGURES.map(([, f]) => fmt(f(v))), v.energyMethod])));
  return out.join('\n') + '\n';
}

function change(a: number | null, b: number | null): string {
  if (a === null || b === null) return '';
  if (a === 0) return b === 0 ? '0 %' : '';
  const pct = ((b - a) / Math.abs(a)) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
}

/** Run-level figures and every variant both runs have (by name), a -> b with the change. */
export function runsDiffText(a: RunRecord, b: RunRecord): string {
  const rows: string[][] = [
    ['run', 'duration s', fmt(a.durationS), fmt(b.durationS), change(a.durationS, b.durationS)],
    ['run', 'energy J', fmt(a.energyJ), fmt(b.energyJ), change(a.energyJ, b.energyJ)],
    ['run', 'gCO2e', fmt(a.co2eGrams), fmt(b.co2eGrams), change(a.co2eGrams, b.co2eGrams)],
  ];
  const names = [...new Set([...a.variants.map((v) => v.name), ...b.variants.map((v) => v.name)])];
  for (const n of names) {
    const va = a.variants.find((v) => v.name === n);
    const vb = b.variants.find((v) => v.name === n);
    if (!va || !vb) { rows.push([n, `only in ${va ? 'a' : 'b'}`, '', '', '']); continue; }
    for (const [label, f] of VARIANT_FIGURES) {
      const x = f(va);
      const y = f(vb);
      if (x === null && y === null) continue;
      rows.push([n, label, fmt(x), fmt(y), change(x, y)]);
    }
  }
  const notes: string[] = [];
  if (a.energyMethod !== b.energyMethod) notes.push(`note: energy methods differ (${a.energyMethod} vs ${b.energyMethod}); compare with care`);
  if (a.hardware.cpuModel !== b.hardware.cpuModel || a.hardware.threads !== b.hardware.threads) notes.push(`note: hardware differs (${a.hardware.cpuModel}/${a.hardware.threads} vs ${b.hardware.cpuModel}/${b.hardware.threads})`);
  return `a: ${a.id} (${a.command}, ${a.startedAt})\nb: ${b.id} (${b.command}, ${b.startedAt})\n\n` + table(['what', 'figure', 'a', 'b', 'change'], rows) + '\n' + (notes.length ? notes.join('\n') + '\n' : '');
}
