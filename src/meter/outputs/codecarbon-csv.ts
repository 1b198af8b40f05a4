/**
 * emissions.csv in CodeCarbon's format: its column names in its order and its units (duration s,
 * emissions kg CO2e, emissions_rate kg/s, power W, energy kWh, RAM GB), one row appended per run,
 * so tools that read CodeCarbon's file read verde's. Component energies include PUE here so that
 * cpu_energy + gpu_energy + ram_energy = energy_consumed, as in CodeCarbon.
 * Columns CodeCarbon fills from Python: python_version holds the Node.js version and
 * codecarbon_version holds "verde <version>" (there is no Python); location and cloud columns stay
 * empty (verde does not guess them); water_consumed (litres) and wue stay empty without a WUE.
 */
import { csvCell, splitCsvRecord } from '../../util/csv.js';
import { readFile } from 'node:fs/promises';
import { UserError } from '../../util/errors.js';
import { appendFileAtomic } from '../../util/atomic.js';
import { VERSION } from '../../version.js';
import type { EnergyReport } from '../types.js';

export const CODECARBON_COLUMNS = [
  'timestamp', 'project_name', 'run_id', 'experiment_id', 'duration', 'emissions', 'emissions_rate',
  'cpu_power', 'gpu_power', 'ram_power', 'cpu_energy', 'gpu_energy', 'ram_energy', 'energy_consumed',
  'water_consumed', 'country_name', 'country_iso_code', 'region', 'cloud_provider', 'cloud_region', 'os',
  'python_version', 'codecarbon_version', 'cpu_count', 'cpu_model', 'gpu_count', 'gpu_model', 'longitude',
  'latitude', 'ram_total_size', 'tracking_mode', 'cpu_utilization_percent', 'gpu_utilization_percent',
  'ram_utilization_percent', 'ram_used_gb', 'on_cloud', 'pue', 'wue',
] as const;

export type CodeCarbonColumn = (typeof CODECARBON_COLUMNS)[number];

/** Unit of each numeric column, as CodeCarbon documents them. */
export const CODECARBON_UNITS: Partial<Record<CodeCarbonColumn, string>> = {
  duration: 's', emissions: 'kg CO2e', emissions_rate: 'kg CO2e/s', cpu_power: 'W', gpu_power: 'W',
  ram_power: 'W', cpu_energy: 'kWh', gpu_energy: 'kWh', ram_energy: 'kWh', energy_consumed: 'kWh',
  water_consumed: 'L', ram_total_size: 'GB', ram_used_gb: 'GB', cpu_utilization_percent: '%',
  gpu_utilization_percent: '%', ram_utilization_percent: '%',
};

const J_PER_KWH = 3.6e6;

/** The row's values by column for a finished run. */
export function codeCarbonRow(r: EnergyReport, at: Date = new Date()): Record<CodeCarbonColumn, string | number> {
  const comp = (c: 'cpu' | 'gpu' | 'ram') => r.components.find((x) => x.component === c);
  const kWh = (c: 'cpu' | 'gpu' | 'ram') => ((comp(c)?.energyJ ?? 0) * r.pue) / J_PER_KWH;
  const power = (c: 'cpu' | 'gpu' | 'ram') => comp(c)?.meanPowerW ?? 0;
  const emissionsKg = r.co2eGrams / 1000;
  const m = r.machine;
  return {
    timestamp: at.toISOString().slice(0, 19),
    project_name: r.projectName,
    run_id: r.runId,
    experiment_id: '',
    duration: r.durationS,
    emissions: emissionsKg,
    emissions_rate: r.durationS > 0 ? emissionsKg / r.durationS : 0,
    cpu_power: power('cpu'),
    gpu_power: power('gpu'),
    ram_power: power('ram'),
    cpu_energy: kWh('cpu'),
    gpu_energy: kWh('gpu'),
    ram_energy: kWh('ram'),
    energy_consumed: r.energyJ / J_PER_KWH,
    water_consumed: r.waterLitres ?? '',
    country_name: r.countryName,
    country_iso_code: r.countryIsoCode,
    region: '',
    cloud_provider: '',
    cloud_region: '',
    os: m?.os ?? '',
    python_version: m ? `node ${m.nodeVersion}` : '',
    codecarbon_version: `verde ${VERSION}`,
    cpu_count: m?.cpuCount ?? '',
    cpu_model: m?.cpuModel ?? '',
    gpu_count: m?.gpuCount ?? '',
    gpu_model: m?.gpuModel ?? '',
    longitude: '',
    latitude: '',
    ram_total_size: m?.ramTotalGiB ?? '',
    tracking_mode: r.scope,
    cpu_utilization_percent: m?.cpuUtilizationPercent ?? '',
    gpu_utilization_percent: m?.gpuUtilizationPercent ?? '',
    ram_utilization_percent: m?.ramUtilizationPercent ?? '',
    ram_used_gb: m?.ramUsedGiB ?? '',
    on_cloud: 'N',
    pue: r.pue,
    wue: r.wue ?? '',
  };
}

export function codeCarbonHeaderLine(): string {
  return CODECARBON_COLUMNS.join(',') + '\n';
}

export function codeCarbonRowLine(r: EnergyReport, at?: Date): string {
  const row = codeCarbonRow(r, at);
  return CODECARBON_COLUMNS.map((c) => csvCell(row[c])).join(',') + '\n';
}

/** Split one CSV record (files verde and CodeCarbon write never put a record over two lines). */
export function splitCsvLine(line: string): string[] {
  return splitCsvRecord(line) ?? [line];
}

/**
 * Check an existing emissions.csv before anything is run or written: a header that is not
 * CodeCarbon's, or a row with the wrong number of fields, is a one-line UserError and the file is
 * left untouched. A missing or empty file is fine.
 */
export async function checkEmissionsCsv(path: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UserError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (text.trim() === '') return;
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0]);
  const bad = CODECARBON_COLUMNS.findIndex((c, i) => header[i] !== c);
  if (bad >= 0 || header.length !== CODECARBON_COLUMNS.length) {
    const at = bad >= 0 ? bad : CODECARBON_COLUMNS.length;
    throw new UserError(
      `${path}: malformed emissions.csv: header column ${at + 1} is "${header[at] ?? ''}", expected "${CODECARBON_COLUMNS[at] ?? '(end of header)'}" (CodeCarbon's columns); move the file aside or choose another --out`,
    );
  }
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const n = splitCsvLine(lines[i]).length;
    if (n !== CODECARBON_COLUMNS.length) {
      throw new UserError(`${path}: malformed emissions.csv: line ${i + 1} has ${n} fields, expected ${CODECARBON_COLUMNS.length}`);
    }
  }
}

/** Append the run's row (writing the header first for a new file), atomically. */
export async function appendEmissionsCsv(path: string, r: EnergyReport, at?: Date): Promise<void> {
  await checkEmissionsCsv(path);
  let existing = '';
  try {
    existing = await readFile(path, 'utf8');
  } catch {
    // new file
  }
  const prefix = existing.trim() === '' ? codeCarbonHeaderLine() : existing.endsWith('\n') ? '' : '\n';
  if (existing.trim() === '') {
    const { writeFileAtomic } = await import('../../util/atomic.js');
    await writeFileAtomic(path, prefix + codeCarbonRowLine(r, at));
  } else {
    await appendFileAtomic(path, prefix + codeCarbonRowLine(r, at));
  }
}
