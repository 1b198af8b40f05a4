/**
 * README.md of a verde model directory in Hugging Face model-card form: a YAML header the Hub reads
 * (pipeline_tag, tags, metrics, model-index results, co2_eq_emissions with emissions in grams,
 * source, training_type, geographical_location, hardware_used — the Hub's model-card metadata) and
 * a body with the energy label, lineage and how every figure was measured. Written with the
 * manifest (no evaluation yet: the card says so) and again once the run is evaluated and recorded.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { energyLabel, formatJ, labelSvg } from './energy-label.js';

/** The manifest fields a card shows (structural, so manifest.ts can call in without an import loop). */
export interface CardManifest {
  name: string;
  version: string;
  task: string;
  labels: string[];
  createdAt: string;
  lineage?: { parent?: string; technique?: string; dataset?: string; params?: Record<string, unknown> };
}

export const MODEL_CARD_FILE = 'README.md';
export const LABEL_FILE = 'label.svg';

/** What a run measured about this model (all optional: a card is written before evaluation too). */
export interface CardEvaluation {
  runId: string;
  dataset?: string;
  metrics: { accuracy?: number | null; macroF1?: number | null; rocAuc?: number | null; prAuc?: number | null };
  energyJPerInference?: number | null;
  energyMethod: string;
  /** Training energy and its carbon (grams) at the run's grid intensity. */
  trainEnergyJ?: number | null;
  trainCo2eGrams?: number | null;
  carbonSource: string;
  country: string;
  hardware: string;
  inferences?: number | null;
}

/** YAML scalar: numbers as they are, strings double-quoted and escaped. */
function y(v: string | number): string {
  return typeof v === 'number' ? String(Number(v.toPrecision(6))) : JSON.stringify(v);
}

const METRIC_NAMES: [keyof CardEvaluation['metrics'], string, string][] = [
  ['accuracy', 'accuracy', 'Accuracy'], ['macroF1', 'f1', 'Macro F1'], ['rocAuc', 'roc_auc', 'ROC-AUC'], ['prAuc', 'pr_auc', 'PR-AUC'],
];

export function modelCardText(m: CardManifest, e?: CardEvaluation): string {
  const pipeline = m.task === 'text-classification' ? 'text-classification' : 'tabular-classification';
  const head = ['---', `pipeline_tag: ${pipeline}`, 'library_name: onnx', 'tags:', '  - verde', '  - onnx', `  - ${pipeline}`, 'labels:', ...m.labels.map((l) => `  - ${y(l)}`)];
  const measured = METRIC_NAMES.filter(([k]) => typeof e?.metrics[k] === 'number');
  if (e && measured.length) {
    head.push('metrics:', ...measured.map(([, id]) => `  - ${id}`));
    head.push('model-index:', `  - name: ${y(m.name)}`, '    results:', '      - task:', `          type: ${pipeline}`, '        dataset:', `          name: ${y(e.dataset ?? 'test split')}`, '          type: custom', '        metrics:');
    for (const [k, id, label] of measured) head.push(`          - type: ${id}`, `            value: ${y(e.metrics[k] as number)}`, `            name: ${y(label)}`);
  }
  if (e && typeof e.trainCo2eGrams === 'number') {
    head.push('co2_eq_emissions:', `  emissions: ${y(e.trainCo2eGrams)}`, `  source: ${y(`verde (${e.energyMethod}; ${e.carbonSource})`)}`,
      `  training_type: ${y(m.lineage?.technique === 'fine-tune' ? 'fine-tuning' : m.lineage?.parent ? 'fine-tuning' : 'pre-training')}`,
      `  geographical_location: ${y(e.country || 'unknown (world-average intensity)')}`, `  hardware_used: ${y(e.hardware)}`);
  }
  head.push('---', '');
  const label = e ? energyLabel(e.energyJPerInference, m.task) : null;
  const body = [`# ${m.name}`, '', `A verde ${m.task} model (ONNX), version \`${m.version}\`, created ${m.createdAt}. Labels: ${m.labels.map((l) => `\`${l}\``).join(', ')}.`, ''];
  body.push('## Energy label', '');
  if (label && e) {
    body.push(`![energy label ${label.letter}](${LABEL_FILE})`, '', `**${label.letter}** — ${formatJ(label.jPer1000)} J per 1,000 inferences (${e.energyMethod}); ${label.taskClass} bands, upper edges A-F: ${label.edges.join(', ')} J per 1,000 (G above). See verde's docs/report.md for how bands are fixed.`, '');
  } else {
    body.push('Not evaluated yet: the label is written when a verde run evaluates this model (verde text, fraud or demo).', '');
  }
  if (e && measured.length) {
    body.push('## Evaluation', '', '| metric | value |', '|---|---|', ...measured.map(([k, , name]) => `| ${name} | ${(e.metrics[k] as number).toFixed(4)} |`));
    if (typeof e.energyJPerInference === 'number') body.push(`| energy per inference | ${e.energyJPerInference.toExponential(3)} J (${e.energyMethod}) |`);
    if (typeof e.inferences === 'number') body.push(`| test inferences | ${e.inferences} |`);
    body.push('');
  }
  body.push('## Lineage', '');
  const l = m.lineage ?? {};
  body.push(`- technique: ${l.technique ?? 'n/a'}`, `- parent: ${l.parent ?? 'none'}`, `- dataset: ${l.dataset ?? 'n/a'}`);
  if (l.params && Object.keys(l.params).length) body.push(`- parameters: \`${JSON.stringify(l.params)}\``);
  body.push('', '## How it was measured', '');
  if (e) {
    body.push(
      `Run \`${e.runId}\` (see \`verde runs show ${e.runId}\`). Energy ${e.energyMethod}: \`measured:*\` figures come from hardware counters (RAPL, NVML), \`modelled:*\` ones from verde's documented power model (TDP x CPU time, 0.375 W/GiB of resident memory) where no counter was readable. Carbon: ${e.carbonSource}${e.country ? ` (${e.country})` : ''}. Hardware: ${e.hardware}.`,
      '',
      'The co2_eq_emissions above is the training energy of the run that produced this model (for derived variants: of the run up to their parent) at that grid intensity.',
    );
  } else {
    body.push('Nothing measured yet for this directory.');
  }
  return head.join('\n') + '\n' + body.join('\n') + '\n';
}

/** Write README.md (and label.svg when the model has been evaluated) into a model directory. */
export async function writeModelCard(dir: string, m: CardManifest, e?: CardEvaluation): Promise<void> {
  const label = e ? energyLabel(e.energyJPerInference, m.task) : null;
  if (label && e) await writeFileAtomic(join(dir, LABEL_FILE), labelSvg(label, m.name, e.energyMethod));
  await writeFileAtomic(join(dir, MODEL_CARD_FILE), modelCardText(m, e));
}
