/**
 * `verde runs import emissions.csv`: CodeCarbon's CSV (written by CodeCarbon in Python or by
 * `verde measure`) as runs in the store, one run per row, so a Python pipeline's energy lands in
 * the same report. The header must hold exactly CodeCarbon's columns (any order); a missing or
 * extra column, a short row or a non-numeric cell in a numeric column is one line naming the file,
 * the line and the column, and nothing is imported (one transaction per file).
 */
import { readFile } from 'node:fs/promises';
import { CODECARBON_COLUMNS, type CodeCarbonColumn } from '../meter/outputs/codecarbon-csv.js';
import { splitCsvRecord } from '../util/csv.js';
import { UserError } from '../util/errors.js';
import type { RunRecord } from './types.js';

const REQUIRED_NUMBERS: CodeCarbonColumn[] = ['duration', 'emissions', 'cpu_energy', 'gpu_energy', 'ram_energy', 'energy_consumed'];
const OPTIONAL_NUMBERS: CodeCarbonColumn[] = ['emissions_rate', 'cpu_power', 'gpu_power', 'ram_power', 'water_consumed', 'cpu_count', 'gpu_count', 'longitude', 'latitude',
  'ram_total_size', 'cpu_utilization_percent', 'gpu_utilization_percent', 'ram_utilization_percent', 'ram_used_gb', 'pue', 'wue'];
const J_PER_KWH = 3.6e6;

export async function readCodeCarbonCsv(path: string): Promise<RunRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UserError(`${path}: empty file (expected CodeCarbon's emissions.csv header and rows)`);
  const header = (splitCsvRecord(lines[0]!) ?? []).map((h) => h.trim().replace(/^\uFEFF/, ''));
  const missing = CODECARBON_COLUMNS.filter((c) => !header.includes(c));
  const extra = header.filter((h) => !(CODECARBON_COLUMNS as readonly string[]).includes(h));
  if (missing.length) throw new UserError(`${path}: not CodeCarbon's emissions.csv: missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`);
  if (extra.length) throw new UserError(`${path}: not CodeCarbon's emissions.csv: unexpected column${extra.length > 1 ? 's' : ''} ${extra.map((c) => `"${c}"`).join(', ')}`);
  if (lines.length === 1) throw new UserError(`${path}: no rows under the header`);
  const runs: RunRecord[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const cells = splitCsvRecord(lines[i]!);
    if (!cells || cells.length !== header.length) throw new UserError(`${path}: line ${i + 1} has ${cells ? cells.length : 'an unclosed quote in its'} fields, expected ${header.length}`);
    const row = Object.fromEntries(header.map((h, j) => [h, cells[j]!.trim()])) as Record<CodeCarbonColumn, string>;
    const n = (c: CodeCarbonColumn, required: boolean): number | null => {
      const s = row[c];
      if (s === '' && !required) return null;
      const x = Number(s);
      if (s === '' || !Number.isFinite(x)) throw new UserError(`${path}: line ${i + 1}, column "${c}": "${s}" is not a number`);
      return x;
    };
    const num = Object.fromEntries([...REQUIRED_NUMBERS.map((c) => [c, n(c, true)]), ...OPTIONAL_NUMBERS.map((c) => [c, n(c, false)])]) as Record<CodeCarbonColumn, number | null>;
    const t = Date.parse(row.timestamp.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(row.timestamp) ? row.timestamp : `${row.timestamp}Z`);
    if (!Number.isFinite(t)) throw new UserError(`${path}: line ${i + 1}, column "timestamp": "${row.timestamp}" is not a date`);
    const kWh = num.energy_consumed!;
    // Prefixed: verde measure writes its own run id in the CSV, and importing that file must not
    // replace the measured run. Re-importing the same file replaces the same imported runs.
    const baseId = `codecarbon:${row.run_id || `line-${i + 1}`}`;
    const dup = seen.get(baseId) ?? 0;
    seen.set(baseId, dup + 1);
    const method = `imported:codecarbon (${row.codecarbon_version || 'unknown version'}, ${row.tracking_mode || 'mode unknown'})`;
    const comp = (c: 'cpu' | 'gpu' | 'ram') => ({ component: c, energyJ: num[`${c}_energy`]! * J_PER_KWH, meanPowerW: num[`${c}_power`], method });
    const energyJ = kWh * J_PER_KWH;
    const co2eGrams = num.emissions! * 1000;
    runs.push({
      id: dup ? `${baseId}-${dup + 1}` : baseId,
      command: 'codecarbon-import',
      flags: { file: path, project_name: row.project_name, experiment_id: row.experiment_id },
      // CodeCarbon stamps a row when the tracker stops: the run started `duration` earlier.
      startedAt: new Date(t - num.duration! * 1000).toISOString(),
      durationS: num.duration!,
      cwd: process.cwd(),
      gitCommit: null,
      hardware: { cpuModel: row.cpu_model || 'unknown', threads: num.cpu_count ?? 0, ramGiB: num.ram_total_size ?? 0, gpus: row.gpu_model ? [row.gpu_model] : [] },
      carbon: {
        countryIsoCode: row.country_iso_code,
        countryName: row.country_name,
        gPerKWh: kWh > 0 ? co2eGrams / kWh : 0,
        source: 'codecarbon-import (emissions / energy_consumed)',
      },
      energyJ,
      co2eGrams,
      energyMethod: method,
      waterLitres: num.water_consumed,
      components: [comp('cpu'), comp('gpu'), comp('ram')],
      phases: [{ name: row.project_name || 'codecarbon run', phase: 'other', durationS: num.duration!, energyJ, co2eGrams, method }],
      variants: [],
      source: 'codecarbon-import',
      status: 'complete',
    });
  }
  return runs;
}
