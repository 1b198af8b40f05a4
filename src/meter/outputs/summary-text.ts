/** The human summary printed after a run: every energy figure with its method. */
import type { EnergyReport, SpanReport } from '../types.js';

export function formatEnergy(j: number): string {
  if (!Number.isFinite(j)) return 'not a finite number (not measured)';
  if (j >= 3.6e6) return `${(j / 3.6e6).toFixed(4)} kWh`;
  if (j >= 3600) return `${(j / 3600).toFixed(3)} Wh`;
  if (j > 0 && j < 1) return `${(j * 1000).toFixed(3)} mJ`;
  return `${j.toFixed(j >= 10 ? 1 : 3)} J`;
}

/** A number with `digits` decimals, or "n/a" when it is not finite (never "Infinity" or "NaN" on screen). */
function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

function formatCo2(g: number): string {
  if (!Number.isFinite(g)) return 'n/a g CO2e (not finite)';
  return g >= 1000 ? `${(g / 1000).toFixed(3)} kg CO2e` : g >= 1 ? `${g.toFixed(3)} g CO2e` : `${(g * 1000).toFixed(3)} mg CO2e`;
}

export function summaryText(r: EnergyReport): string {
  const lines: string[] = [];
  lines.push(`duration   ${fixed(r.durationS, 2)} s  (scope: ${r.scope})`);
  for (const c of r.components) {
    const e = c.method === 'none' ? 'not measured' : `${formatEnergy(c.energyJ)}  mean ${fixed(c.meanPowerW, 2)} W`;
    lines.push(`${c.component.padEnd(10)} ${e}  [${c.methodLabel ?? c.method}]${c.detail ? `  ${c.detail}` : ''}`);
  }
  const pue = r.pue !== 1 ? ` (PUE ${r.pue} applied)` : '';
  lines.push(`energy     ${formatEnergy(r.energyJ)}${pue}  [${r.method}]`);
  const where = r.countryIsoCode ? `${r.countryName} (${r.countryIsoCode})` : r.countryName || 'unknown location';
  lines.push(`carbon     ${formatCo2(r.co2eGrams)} at ${r.carbonIntensityGPerKWh} gCO2e/kWh, ${where}, source ${r.carbonIntensitySource}`);
  if (r.waterLitres !== undefined) lines.push(`water      ${Number.isFinite(r.waterLitres) ? r.waterLitres.toPrecision(3) : 'n/a'} L at WUE ${r.wue} L/kWh`);
  for (const s of r.spans) lines.push(spanLine(s));
  if (r.outsideSpansJ !== undefined) lines.push(`spans      ${formatEnergy(r.spanUnionJ ?? 0)} inside spans (each instant once), ${formatEnergy(r.outsideSpansJ)} outside every span (idle, set-up, unattributed)`);
  return lines.join('\n') + '\n';
}

export function spanLine(s: SpanReport): string {
  return `span ${s.name}: ${fixed(s.durationS, 3)} s, ${formatEnergy(s.energyJ)}, ${formatCo2(s.co2eGrams)} [${s.method}]`;
}
