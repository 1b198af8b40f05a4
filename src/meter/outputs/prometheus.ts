/**
 * Prometheus text exposition (format 0.0.4) of a report or a running tracker.reading(), for a
 * server's /metrics route or a file. verde_* series carry the component and its method as labels;
 * codecarbon_* gauges repeat CodeCarbon's names and units (kWh, kg, W) for existing dashboards.
 * Spans are aggregated by name (sum and count) to keep label cardinality bounded.
 */
import type { EnergyReport } from '../types.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** One metric family's lines (HELP, TYPE, samples; non-finite values left out), for other writers' own series. */
export function metricFamily(name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]): string[] {
  const out = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [l, v] of samples) if (Number.isFinite(v)) out.push(`${name}${labels(l)} ${v}`);
  return out;
}


export function prometheusText(r: EnergyReport): string {
  const base = { project: r.projectName };
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    // a non-finite value is no measurement: the sample is left out, never written as NaN or +Inf
    for (const [l, v] of samples) if (Number.isFinite(v)) out.push(`${name}${labels({ ...base, ...l })} ${v}`);
  };
  family('verde_energy_joules_total', 'counter', 'Energy since the tracker started, by component, PUE applied.',
    r.components.map((c) => [{ component: c.component, method: c.methodLabel ?? c.method }, c.energyJ * r.pue]));
  family('verde_power_watts', 'gauge', 'Mean power since the tracker started, by component, before PUE.',
    r.components.map((c) => [{ component: c.component, method: c.methodLabel ?? c.method }, c.meanPowerW]));
  family('verde_co2e_grams_total', 'counter', 'Carbon emissions since the tracker started, gCO2e.',
    [[{ method: r.method }, r.co2eGrams]]);
  family('verde_carbon_intensity_grams_per_kwh', 'gauge', 'Grid carbon intensity used, gCO2e/kWh.',
    [[{ country: r.countryIsoCode, source: r.carbonIntensitySource }, r.carbonIntensityGPerKWh]]);
  family('verde_duration_seconds', 'gauge', 'Seconds since the tracker started.', [[{}, r.durationS]]);
  family('verde_pue', 'gauge', 'Power usage effectiveness applied.', [[{}, r.pue]]);
  if (r.waterLitres !== undefined) {
    family('verde_water_litres_total', 'counter', 'Water from the given WUE, litres.', [[{ wue: String(r.wue ?? '') }, r.waterLitres]]);
  }
  const byName = new Map<string, { j: number; g: number; n: number }>();
  if (r.spanTotals) {
    for (const t of r.spanTotals) byName.set(t.name, { j: t.energyJ, g: t.co2eGrams, n: t.count });
  } else {
    for (const s of r.spans) {
      const a = byName.get(s.name) ?? { j: 0, g: 0, n: 0 };
      a.j += s.energyJ;
      a.g += s.co2eGrams;
      a.n += 1;
      byName.set(s.name, a);
    }
  }
  if (byName.size > 0) {
    family('verde_span_energy_joules_total', 'counter', 'Energy of finished spans by name, PUE applied.',
      [...byName].map(([span, a]) => [{ span, method: r.method }, a.j]));
    family('verde_span_count_total', 'counter', 'Finished spans by name.', [...byName].map(([span, a]) => [{ span }, a.n]));
  }
  if (r.outsideSpansJ !== undefined) {
    family('verde_span_breakdown_joules_total', 'counter', 'The run total split so that it adds up: inside at least one span (each instant once) and outside every span (idle, set-up, unattributed). PUE applied.',
      [[{ part: 'inside-spans', method: r.method }, r.spanUnionJ ?? 0], [{ part: 'outside-spans', method: r.method }, r.outsideSpansJ]]);
  }
  // CodeCarbon-compatible gauges (its names and units).
  const kWh = (j: number) => j / 3.6e6;
  const c = (k: string) => r.components.find((x) => x.component === k);
  const cc: [string, string, number][] = [
    ['codecarbon_duration', 'Duration, s.', r.durationS],
    ['codecarbon_emissions', 'Emissions, kg CO2e.', r.co2eGrams / 1000],
    ['codecarbon_emissions_rate', 'Emissions rate, kg CO2e/s.', r.durationS > 0 ? r.co2eGrams / 1000 / r.durationS : 0],
    ['codecarbon_cpu_power', 'CPU power, W.', c('cpu')?.meanPowerW ?? 0],
    ['codecarbon_gpu_power', 'GPU power, W.', c('gpu')?.meanPowerW ?? 0],
    ['codecarbon_ram_power', 'RAM power, W.', c('ram')?.meanPowerW ?? 0],
    ['codecarbon_cpu_energy', 'CPU energy, kWh.', kWh((c('cpu')?.energyJ ?? 0) * r.pue)],
    ['codecarbon_gpu_energy', 'GPU energy, kWh.', kWh((c('gpu')?.energyJ ?? 0) * r.pue)],
    ['codecarbon_ram_energy', 'RAM energy, kWh.', kWh((c('ram')?.energyJ ?? 0) * r.pue)],
    ['codecarbon_energy_consumed', 'Energy, kWh.', kWh(r.energyJ)],
  ];
  for (const [name, help, v] of cc) family(name, 'gauge', help, [[{ method: r.method }, v]]);
  return out.join('\n') + '\n';
}
