/**
 * `verde report`: read runs from the store, build the report, write it (HTML, Markdown or JSON)
 * through a temporary sibling and a rename, and write label.svg beside it for the recommended
 * variant (the one the summary names).
 */
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { choiceFlag } from '../util/flags.js';
import { labelSvg, energyLabel } from '../registry/energy-label.js';
import { openStore, storePath } from '../store/db.js';
import { selectRuns } from '../store/runs.js';
import { buildReport, type ReportData, type ReportOptions } from './data.js';
import { reportHtml } from './html.js';
import { reportMarkdown } from './markdown.js';

export type ReportFormat = 'html' | 'md' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json'];

export interface WriteReportOptions extends ReportOptions {
  store?: string;
  runs?: string[];
  last?: number;
  out: string;
  format: ReportFormat;
}

export interface WrittenReport {
  path: string;
  labelPath: string | null;
  data: ReportData;
}

export function renderReport(d: ReportData, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(d, null, 2) + '\n';
  if (format === 'md') return reportMarkdown(d);
  return reportHtml(d);
}

export async function writeReport(o: WriteReportOptions): Promise<WrittenReport> {
  choiceFlag('--format', REPORT_FORMATS)(o.format);
  const path = storePath(o.store);
  const db = openStore(path, { create: false });
  let data: ReportData;
  try {
    data = buildReport(selectRuns(db, o.runs, o.last), o);
  } finally {
    db.close();
  }
  await writeFileAtomic(o.out, renderReport(data, o.format));
  let labelPath: string | null = null;
  const rec = data.recommended[0];
  const v = rec && data.variants.find((x) => x.runId === rec.runId && x.name === rec.variant);
  const l = v && energyLabel(v.energyJPerInference, v.task);
  if (v && l) {
    labelPath = join(dirname(o.out), 'label.svg');
    await writeFileAtomic(labelPath, labelSvg(l, `${v.modelName}`, v.energyMethod));
  }
  return { path: o.out, labelPath, data };
}
