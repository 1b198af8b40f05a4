/**
 * The fraud case's results: the shape of results.json (camelCase, units in field names, the energy
 * method beside every energy figure), the flat results.csv, and the §5-style table printed at the end.
 */
import { csvCell } from '../../util/csv.js';
import type { EnergyBreakdown } from './energy.js';
export type Figures = Record<string, number | string | boolean | null>;

export interface DatasetResult {
  name: string;
  source: string;
  rows: number;
  positives: number;
  csvBytes?: number;
  parquetBytes?: number;
  steps?: { name: string; rowsBefore: number; rowsAfter: number; bytesBefore?: number; bytesAfter?: number }[];
  notes?: string[];
}

export interface ModelResult {
  name: string;
  kind: string;
  prAuc: number;
  rocAuc: number;
  recallAt1PctFpr: number;
  trainEnergyJ: number;
  trainTimeS: number;
  inferenceEnergyJPerRow: number;
  inferenceRowsPerS: number;
  /** Size of model.onnx: the one size every model has, in the same unit. */
  onnxBytes: number;
  /** Size of the 8-bit packed form (verde gbdt pack), where the model has one. */
  packedInt8Bytes?: number;
  /**
   * Set when trainEnergyJ/trainTimeS are another model's training run, reused (a pruned or quantised
   * copy of it): the figure is that model's, not spent again for this one.
   */
  trainEnergyReusedFrom?: string;
  energyMethod: string;
  /** The model directory (relative to --out) holding model.onnx and verde.json. */
  modelDir?: string;
  notes?: string[];
}

export interface TechniqueResult {
  name: string;
  /** The guide's wording of what is claimed. */
  claim: string;
  baselineName: string;
  techniqueName: string;
  baseline: Figures;
  technique: Figures;
  /** One line: what the numbers say. */
  summary: string;
  energyMethod: string;
  notes?: string[];
  /** Further baselines measured on the same rows (gbdt-vs-mlp: logistic regression, §2.1's simplest model). */
  others?: ({ name: string } & Figures)[];
}

export interface SkippedTechnique {
  name: string;
  reason: string;
}

export interface FraudResults {
  case: 'fraud-detection';
  guideSection: '§5';
  createdAt: string;
  seed: number;
  options: Figures;
  machine: { cpus: number; platform: string; node: string };
  split: { trainRows: number; validRows: number; testRows: number; how: string };
  datasets: DatasetResult[];
  models: ModelResult[];
  techniques: TechniqueResult[];
  skipped: SkippedTechnique[];
  energyMethodNote: string;
  /** The whole run (data, every model, every technique), with its carbon at the grid's intensity. */
  totalEnergyJ: number;
  /** The total split so that it adds up: phases (data, baseline, each technique) + unattributed. */
  energyBreakdown?: EnergyBreakdown;
  totalCo2eGrams: number;
  carbonIntensityGPerKWh: number;
  carbonIntensitySource: string;
}

/** "3.2x less" or "1.8x more": how the green figure compares with the plain one. */
export function ratio(plain: number, green: number): string {
  if (!(plain > 0 && green > 0)) return 'n/a';
  return plain >= green ? `${(plain / green).toFixed(1)}x less` : `${(green / plain).toFixed(1)}x more`;
}

function fmt(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e6 || a < 1e-3) return v.toExponential(2);
    if (Number.isInteger(v)) return String(v);
    return v.toPrecision(4);
  }
  return v === null || v === undefined ? '' : String(v);
}

/** results.csv: one row per (technique, metric) and one per (model, metric), long format. */
export function resultsCsv(r: FraudResults): string {
  const lines = ['section,name,metric,baseline,technique,value,energyMethod'];
  for (const t of r.techniques) {
    const keys = [...new Set([...Object.keys(t.baseline), ...Object.keys(t.technique)])];
    for (const k of keys) lines.push(['technique', t.name, k, t.baseline[k], t.technique[k], '', t.energyMethod].map(csvCell).join(','));
  }
  for (const m of r.models) {
    for (const k of ['prAuc', 'rocAuc', 'recallAt1PctFpr', 'trainEnergyJ', 'trainTimeS', 'inferenceEnergyJPerRow', 'inferenceRowsPerS', 'onnxBytes', 'packedInt8Bytes'] as const) {
      if (m[k] === undefined) continue;
      const method = m.trainEnergyReusedFrom && (k === 'trainEnergyJ' || k === 'trainTimeS') ? `${m.energyMethod}; reused from ${m.trainEnergyReusedFrom}` : m.energyMethod;
      lines.push(['model', m.name, k, '', '', m[k], method].map(csvCell).join(','));
    }
  }
  for (const d of r.datasets) {
    for (const k of ['rows', 'positives', 'csvBytes', 'parquetBytes'] as const) {
      if (d[k] !== undefined) lines.push(['dataset', d.name, k, '', '', d[k], ''].map(csvCell).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

/** The §5-style summary: each technique's figures against its plain counterpart, then the models. */
export function resultsTable(r: FraudResults): string {
  const rows: string[][] = [];
  for (const t of r.techniques) {
    const keys = [...new Set([...Object.keys(t.baseline), ...Object.keys(t.technique)])];
    keys.forEach((k, i) => {
      const b = t.baseline[k];
      const g = t.technique[k];
      let change = '';
      if (typeof b === 'number' && typeof g === 'number' && b !== 0 && Number.isFinite(b) && Number.isFinite(g)) {
        const pct = ((g - b) / Math.abs(b)) * 100;
        change = `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
      }
      rows.push([i === 0 ? t.name : '', i === 0 ? `${t.baselineName} -> ${t.techniqueName}` : '', k, fmt(b), fmt(g), change]);
    });
  }
  const models = r.models.map((m) => [
    m.name, fmt(m.prAuc), fmt(m.rocAuc), fmt(m.recallAt1PctFpr),
    m.trainEnergyReusedFrom ? `(${fmt(m.trainEnergyJ)}: ${m.trainEnergyReusedFrom}'s, reused)` : fmt(m.trainEnergyJ),
    fmt(m.inferenceEnergyJPerRow), String(m.onnxBytes), m.packedInt8Bytes === undefined ? '' : String(m.packedInt8Bytes),
  ]);
  const b = r.energyBreakdown;
  const parts = b ? `\nWhere it went: ${b.phases.map((p) => `${p.name} ${fmt(p.energyJ)} J`).join(', ')}, unattributed ${fmt(b.unattributedJ)} J (set-up, writing, between phases) = ${fmt(b.totalJ)} J.` : '';
  const footer = `Whole run: ${fmt(r.totalEnergyJ)} J, ${fmt(r.totalCo2eGrams)} gCO2e at ${fmt(r.carbonIntensityGPerKWh)} g/kWh (${r.carbonIntensitySource}).${parts}`;
  const skipped = r.skipped.length ? `\nSkipped: ${r.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}\n` : '';
  return [
    `Fraud detection (guide §5): each technique against its plain counterpart. Energy: ${r.energyMethodNote}`,
    '',
    table(['technique', 'plain -> green', 'figure', 'plain', 'green', 'change'], rows),
    '',
    table(['model', 'PR-AUC', 'ROC-AUC', 'recall@1%FPR', 'train J', 'infer J/row', 'ONNX B', '8-bit packed B'], models),
    footer,
    skipped,
  ].join('\n');
}
