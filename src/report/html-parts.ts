/** The server-rendered parts of the HTML report: summary, variants table, UNE/SCI block, labels. */
import { formatJ } from '../registry/energy-label.js';
import { formatFigure } from '../util/format.js';
import type { ReportData, ReportVariant } from './data.js';

export const esc = (s: unknown): string => String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 4 significant digits, exponent for very small or large; '' for unknown. */
export const fmt = (v: number | null | undefined, digits = 4): string => formatFigure(v, digits);

export function summaryHtml(d: ReportData): string {
  const runs = d.runs.map((r) => `<li><code>${esc(r.id)}</code> <b>${esc(r.command)}</b> ${esc(r.startedAt)} — ${fmt(r.energyJ)} J, ${fmt(r.co2eGrams)} gCO2e [${esc(r.energyMethod)}]; ${esc(r.hardware.cpuModel)} (${r.hardware.threads} threads${r.hardware.gpus.length ? `, ${esc(r.hardware.gpus.join(', '))}` : ''}); ${fmt(r.carbon.gPerKWh)} g/kWh ${esc(r.carbon.source)}${r.gitCommit ? `; git ${esc(r.gitCommit.slice(0, 10))}` : ''}${r.status === 'running' ? ' (session still running)' : ''}</li>`).join('');
  const rec = d.recommended.map((x) => `<li><b>${esc(x.task)}</b>: <b>${esc(x.variant)}</b> — ${esc(x.why)}</li>`).join('');
  const wins = d.winners.map((w) => `<tr><td>${esc(w.task)}</td><td>${esc(w.criterion)}</td><td>${esc(w.variant)}</td><td class="num">${fmt(w.value)} ${esc(w.unit)}</td><td>${esc(w.method)}</td></tr>`).join('');
  return `<section id="summary"><h2>Summary</h2><p>${d.runs.length} run(s), ${d.variants.length} model variant(s) compared on the same test data within each run.</p><ul>${runs}</ul>` +
    (rec ? `<h3>Most sustainable option for the same use</h3><ul id="recommended">${rec}</ul>` : '') +
    (wins ? `<h3>Winner per criterion</h3><table class="plain" id="winners"><thead><tr><th>task</th><th>criterion</th><th>variant</th><th>value</th><th>method</th></tr></thead><tbody>${wins}</tbody></table>` : '') +
    '</section>';
}

const COLUMNS: [string, (v: ReportVariant) => number | string | null, boolean][] = [
  ['variant', (v) => v.name, false],
  ['run', (v) => v.runId.slice(0, 8), false],
  ['task', (v) => v.task, false],
  ['accuracy', (v) => v.accuracy, true],
  ['macro-F1', (v) => v.macroF1, true],
  ['ROC-AUC', (v) => v.rocAuc, true],
  ['PR-AUC', (v) => v.prAuc, true],
  ['latency ms', (v) => v.latencyMs, true],
  ['throughput /s', (v) => v.throughputPerS, true],
  ['size bytes', (v) => v.sizeBytes, true],
  ['J/inference', (v) => v.energyJPerInference, true],
  ['J/correct', (v) => v.energyJPerCorrect, true],
  ['gCO2e', (v) => v.co2eGrams, true],
  ['SCI gCO2e/R', (v) => v.sciPerInference?.sci ?? null, true],
];

export function variantsTableHtml(d: ReportData): string {
  const head = COLUMNS.map(([name, , numeric], i) => `<th data-col="${i}" data-type="${numeric ? 'num' : 'text'}" title="click to sort">${esc(name)}</th>`).join('') + '<th data-col="label" data-type="text">label</th><th>method</th>';
  const rows = d.variants.map((v) => {
    const cells = COLUMNS.map(([, f, numeric]) => {
      const x = f(v);
      return numeric ? `<td class="num" data-v="${typeof x === 'number' ? x : ''}">${fmt(x as number | null)}</td>` : `<td data-v="${esc(x)}">${esc(x)}</td>`;
    }).join('');
    const l = v.label;
    const label = l ? `<td data-v="${l.letter}"><span class="label" data-variant="${esc(v.runId)}/${esc(v.name)}" style="background:${l.colour}">${l.letter}</span> ${esc(formatJ(l.jPer1000))}</td>` : '<td data-v="">n/a</td>';
    return `<tr class="${v.pareto ? 'pareto' : ''}">${cells}${label}<td>${esc(v.energyMethod)}</td></tr>`;
  }).join('');
  return `<section id="variants"><h2>Variants</h2><p>Click a column to sort. Rows in bold are on the Pareto front (no other variant of the task is both as good and as frugal). J/inference is one input at a time (text) or per row scored in batches (tabular).</p>` +
    `<table id="variants-table" class="sortable"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></section>`;
}

export function uneHtml(d: ReportData): string {
  const blocks = d.une.map((u) => {
    const per = u.perVariant.map((p) => `<tr><td>${esc(p.variant)}</td><td class="num">${fmt(p.jPerInference)}</td><td class="num">${p.jPerBatch === null ? '' : `${fmt(p.jPerBatch)} (${p.batchSize})`}</td><td class="num">${fmt(p.jPerCorrect)}</td><td>${esc(p.method)}</td></tr>`).join('');
    const s = u.sciPerRun;
    return `<div class="une"><h3>${esc(u.command)} <code>${esc(u.runId.slice(0, 8))}</code>${u.modelled ? ' <span class="modelled">modelled energy</span>' : ''}</h3>` +
      `<table class="plain"><tbody><tr><th>energy per run</th><td>${fmt(u.kWhPerRun)} kWh [${esc(u.energyMethod)}]</td></tr>` +
      `<tr><th>carbon (energy mix)</th><td>${fmt(u.co2eGrams)} gCO2e at ${esc(u.carbon)}</td></tr>` +
      `<tr><th>water</th><td>${u.waterLitres === null ? 'not reported (no WUE given; never invented)' : `${fmt(u.waterLitres)} L`}</td></tr>` +
      `<tr><th>SCI per run</th><td>${fmt(s.sci)} gCO2e = O ${fmt(s.operationalG)} + M ${fmt(s.embodiedG)}${s.modelledTerms.length ? ` — modelled: ${esc(s.modelledTerms.join('; '))}` : ''}</td></tr></tbody></table>` +
      (per ? `<table class="plain"><thead><tr><th>variant</th><th>J/inference</th><th>J/batch (size)</th><th>J/correct</th><th>method</th></tr></thead><tbody>${per}</tbody></table>` : '') + '</div>';
  }).join('');
  const sciRows = d.variants.filter((v) => v.sciPerInference).map((v) => {
    const s = v.sciPerInference!;
    return `<tr><td>${esc(v.name)}</td><td>${esc(s.functionalUnit)}</td><td class="num">${fmt(s.energyKWh)}</td><td class="num">${fmt(s.intensity)}</td><td class="num">${fmt(s.operationalG)}</td><td class="num">${fmt(s.embodiedG)}</td><td class="num"><b>${fmt(s.sci)}</b></td><td>${esc(s.modelledTerms.join('; '))}</td></tr>`;
  }).join('');
  const e = d.sci.embodied;
  return `<section id="une"><h2>Metrics aligned with UNE 0086 and the SCI</h2><p>The quantities the guide and UNE 0086:2025 name (energy per run, per inference, per batch and per correct prediction, carbon from the energy mix, water when a WUE was given), each with its method. This is alignment with the guide's list, not a conformance claim.</p>${blocks}` +
    `<h3>SCI per functional unit</h3><p>${esc(d.sci.terms)}. M: ${esc(e.source)} (${fmt(e.totalKgCO2e)} kgCO2e over ${e.lifetimeYears} years${e.nodeThreads ? `, shared by ${e.nodeThreads} threads` : ''})${e.modelled ? ' — a documented default, flagged as modelled' : ''}.</p>` +
    `<table class="plain" id="sci-table"><thead><tr><th>variant</th><th>R</th><th>E kWh</th><th>I g/kWh</th><th>O g</th><th>M g</th><th>SCI g</th><th>modelled terms</th></tr></thead><tbody>${sciRows}</tbody></table></section>`;
}

export function labelsHtml(d: ReportData): string {
  const bands = Object.entries(d.labelBands.edges).map(([task, edges]) => `<tr><td>${esc(task)}</td>${['A', 'B', 'C', 'D', 'E', 'F'].map((l, i) => `<td style="background:${d.labelBands.colours[l as 'A']}">${l} &lt; ${edges[i]}</td>`).join('')}<td style="background:${d.labelBands.colours.G};color:#fff">G &ge; ${edges[5]}</td></tr>`).join('');
  const cards = d.variants.filter((v) => v.label).map((v) => `<div class="badge"><span class="label big" data-variant="${esc(v.runId)}/${esc(v.name)}" style="background:${v.label!.colour}">${v.label!.letter}</span><div><b>${esc(v.name)}</b><br>${esc(formatJ(v.label!.jPer1000))} J / 1,000 inferences<br><small>${esc(v.energyMethod)}</small></div></div>`).join('');
  return `<section id="labels"><h2>Energy labels</h2><p>${esc(d.labelBands.how)}; ${esc(d.labelBands.unit)}. EU energy-label colours.</p><table class="plain" id="bands"><tbody>${bands}</tbody></table><div class="badges">${cards}</div></section>`;
}
