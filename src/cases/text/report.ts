/**
 * results.json / results.csv of `verde text` and the comparison table printed beside the guide's
 * §6.1 table (PyTorch on a laptop CPU, 300 reviews one at a time, no energy measured).
 */
import { csvCell } from '../../util/csv.js';
import type { VariantRunResult } from '../../evaluate/variant-run.js';

export interface StageResult {
  name: string;
  durationS: number;
  energyJ: number;
  co2eGrams: number;
  energyMethod: string;
  detail?: Record<string, unknown>;
}

export interface VariantResult extends VariantRunResult {
  name: string;
  technique: string;
  parameters: number;
  /** Size relative to base's model.onnx. */
  sizeRatio: number;
  /** Output drift vs the fp32 model it was made from (quantised variants). */
  outputRelError?: number;
  outputArgmaxAgreement?: number;
  /** transformer (the DistilBERT variants) or linear (hashed n-grams, §2.1). */
  modelClass?: 'transformer' | 'linear';
}

export interface TextResults {
  about: string;
  createdAt: string;
  dataset: string;
  labels: string[];
  testSamples: number;
  model: Record<string, unknown>;
  cpu: { int8Weights: string };
  threads: number;
  stages: StageResult[];
  variants: VariantResult[];
  /** The whole run as measured (process scope: this process and its children, live and reaped). */
  totalEnergyJ: number;
  totalCo2eGrams: number;
  /** totalEnergyJ minus the stages' sum (the stages include `evaluate`, whose parts are the variants' passes): set-up, idle, between stages. */
  unattributedEnergyJ?: number;
  energyMethod: string;
  notes: string[];
  /** With --early-exit: the stages written into models/base/exits/ and how they did on the test set. */
  /** With the linear class: its featuriser (hashed word and char n-grams, TF-IDF). */
  linearModel?: { hashDim: number; wordNgrams: [number, number]; charNgrams: [number, number]; maxFeatures: number; parameters: number };
  /** With both classes: which one wins on energy per correct prediction for this data (§2.1). */
  modelClassChoice?: { winner: 'transformer' | 'linear'; ratio: number | null; line: string; perClass: unknown[] };
  earlyExit?: { threshold: number | null; thresholdFrom?: string; stages: { file: string; layers: [number, number] }[]; evaluation: unknown[] };
}

export const GUIDE_TABLE = [
  { name: 'fine-tuned base', accuracy: 0.8633, seconds300: 49.78, sizeMB: 256.33 },
  { name: 'pruned 30 %', accuracy: 0.8567, seconds300: 54.47, sizeMB: 256.33 },
  { name: 'quantised int8', accuracy: 0.8733, seconds300: 36.33, sizeMB: 265.48 },
];

export const CSV_COLUMNS = [
  'name', 'technique', 'parameters', 'accuracy', 'macroF1', 'latencyMsPerSample', 'latencyP50Ms', 'latencyP95Ms', 'throughputPerS',
  'sizeBytes', 'sizeRatio', 'peakMemoryBytes', 'energyJ', 'energyJPerInference', 'energyJPerCorrect', 'co2eGrams', 'energyMethod',
  'batchedEnergyJPerInference', 'outputRelError', 'outputArgmaxAgreement', 'modelClass',
] as const;

export function resultsCsv(variants: VariantResult[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const v of variants) lines.push(CSV_COLUMNS.map((c) => csvCell((v as unknown as Record<string, unknown>)[c])).join(','));
  return lines.join('\n') + '\n';
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function comparisonTable(r: TextResults): string {
  const head = ['variant', 'accuracy', 'macroF1', 'ms/sample', 'per 300', 'batched/s', 'size MB', 'peak MB', 'J/inference', 'J/correct', 'gCO2e'];
  const widths = [24, 9, 8, 10, 8, 10, 9, 8, 12, 10, 9];
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]) : lpad(c, widths[i]))).join(' ');
  const lines = [
    `verde text — ${r.testSamples} test samples of ${r.dataset}, one at a time for latency/energy (${r.threads} thread(s)); energy method: ${r.energyMethod}`,
    row(head),
  ];
  for (const v of r.variants) {
    lines.push(row([
      v.name,
      v.accuracy.toFixed(4),
      v.macroF1.toFixed(4),
      v.latencyMsPerSample.toFixed(2),
      `${((v.latencyMsPerSample * 300) / 1000).toFixed(2)} s`,
      v.throughputPerS.toFixed(1),
      (v.sizeBytes / 1e6).toFixed(2),
      (v.peakMemoryBytes / 1e6).toFixed(1),
      v.energyJPerInference.toPrecision(3),
      v.energyJPerCorrect === null ? '-' : v.energyJPerCorrect.toPrecision(3),
      v.co2eGrams.toPrecision(3),
    ]));
  }
  lines.push('', 'The guide (§6.1; PyTorch, distilbert-base on 300 IMDb reviews one at a time, laptop CPU; no energy measured):');
  lines.push(row(['variant', 'accuracy', '', '', 'per 300', '', 'size MB', '', '', '', '']));
  for (const g of GUIDE_TABLE) lines.push(row([g.name, g.accuracy.toFixed(4), '', '', `${g.seconds300.toFixed(2)} s`, '', g.sizeMB.toFixed(2), '', '', '', '']));
  const base = r.variants.find((v) => v.name === 'base');
  if (base) {
    lines.push('', 'Against base:');
    for (const v of r.variants.filter((x) => x !== base)) {
      const dt = (100 * (v.latencyMsPerSample - base.latencyMsPerSample)) / base.latencyMsPerSample;
      const ds = (100 * (v.sizeBytes - base.sizeBytes)) / base.sizeBytes;
      const de = (100 * (v.energyJPerInference - base.energyJPerInference)) / base.energyJPerInference;
      const da = v.accuracy - base.accuracy;
      lines.push(`  ${pad(v.name, 24)} time ${fmtPct(dt)}, size ${fmtPct(ds)}, energy/inference ${fmtPct(de)}, accuracy ${da >= 0 ? '+' : ''}${da.toFixed(4)}` +
        (v.outputRelError !== undefined ? `, output error vs fp32 ${(100 * v.outputRelError).toFixed(2)} %` : ''));
    }
  }
  lines.push('', 'Stages (training, compression and evaluation energy; they and the unattributed line add up to the total):');
  for (const s of r.stages) lines.push(`  ${pad(s.name, 20)} ${lpad(s.durationS.toFixed(1), 7)} s ${lpad(s.energyJ.toPrecision(4), 10)} J ${lpad(s.co2eGrams.toPrecision(3), 9)} gCO2e  [${s.energyMethod}]`);
  if (r.unattributedEnergyJ !== undefined) lines.push(`  ${pad('unattributed', 20)} ${lpad('', 7)}   ${lpad(r.unattributedEnergyJ.toPrecision(4), 10)} J  (between stages: set-up, idle)`);
  if (r.earlyExit) {
    lines.push('', `Early exit (models/base/exits/, threshold ${r.earlyExit.threshold ?? 'off'}${r.earlyExit.thresholdFrom ? ` from ${r.earlyExit.thresholdFrom}` : ''}; one sample at a time):`);
    for (const e of r.earlyExit.evaluation as { threshold: number; accuracy: number; exitCounts: number[]; meanLayerFraction: number; latencyMsPerSample: number }[]) {
      lines.push(`  threshold ${e.threshold.toFixed(2)}: accuracy ${e.accuracy.toFixed(4)}, exits per stage ${e.exitCounts.join('/')}, layers run ${(100 * e.meanLayerFraction).toFixed(0)} %, ${e.latencyMsPerSample.toFixed(2)} ms/sample`);
    }
  }
  if (r.modelClassChoice) lines.push('', r.modelClassChoice.line);
  lines.push(`  total ${r.totalEnergyJ.toPrecision(4)} J, ${r.totalCo2eGrams.toPrecision(3)} gCO2e [${r.energyMethod}]`);
  return lines.join('\n');
}

function fmtPct(p: number): string {
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)} %`;
}
