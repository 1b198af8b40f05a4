/**
 * Saving and reading runs. A save is one IMMEDIATE transaction that replaces the run's rows (a
 * serve session is saved again and again under the same id), so a reader sees a run whole or not
 * at all, and concurrent writers queue on SQLite's lock instead of losing rows.
 */
import { UserError } from '../util/errors.js';
import { storeError, type StoreDb } from './db.js';
import type { ComponentRecord, PhaseRecord, RunRecord, VariantRecord } from './types.js';

const VARIANT_COLUMNS: [string, keyof VariantRecord][] = [
  ['name', 'name'], ['model_name', 'modelName'], ['task', 'task'], ['accuracy', 'accuracy'], ['macro_f1', 'macroF1'],
  ['roc_auc', 'rocAuc'], ['pr_auc', 'prAuc'], ['latency_ms', 'latencyMs'], ['throughput_per_s', 'throughputPerS'],
  ['size_bytes', 'sizeBytes'], ['j_per_inference', 'energyJPerInference'], ['j_per_correct', 'energyJPerCorrect'], ['j_per_batch', 'energyJPerBatch'], ['batch_size', 'batchSize'],
  ['energy_j', 'energyJ'], ['co2e_g', 'co2eGrams'], ['train_energy_j', 'trainEnergyJ'], ['inferences', 'inferences'],
  ['correct', 'correct'], ['energy_method', 'energyMethod'], ['seconds_per_inference', 'secondsPerInference'], ['model_dir', 'modelDir'],
];

/** NaN and Infinity are not numbers SQLite keeps; store them as unknown. */
const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function saveRun(db: StoreDb, r: RunRecord, path = db.name): void {
  const insertRun = db.prepare(`INSERT INTO runs (id, command, flags, started_at, recorded_at, duration_s, cwd, git_commit, hardware,
    country_iso, country_name, carbon_g_per_kwh, carbon_source, energy_j, co2e_g, energy_method, water_l, source, status)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertComponent = db.prepare('INSERT INTO components (run_id, component, energy_j, mean_power_w, method) VALUES (?, ?, ?, ?, ?)');
  const insertPhase = db.prepare('INSERT INTO phases (run_id, seq, name, phase, duration_s, energy_j, co2e_g, method) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertVariant = db.prepare(`INSERT INTO variants (run_id, seq, ${VARIANT_COLUMNS.map((c) => c[0]).join(', ')}) VALUES (?, ?, ${VARIANT_COLUMNS.map(() => '?').join(', ')})`);
  const write = db.transaction(() => {
    db.prepare('DELETE FROM runs WHERE id = ?').run(r.id);
    insertRun.run(r.id, r.command, JSON.stringify(r.flags), r.startedAt, new Date().toISOString(), num(r.durationS) ?? 0, r.cwd, r.gitCommit,
      JSON.stringify(r.hardware), r.carbon.countryIsoCode, r.carbon.countryName, r.carbon.gPerKWh, r.carbon.source,
      num(r.energyJ) ?? 0, num(r.co2eGrams) ?? 0, r.energyMethod, num(r.waterLitres), r.source, r.status);
    for (const c of r.components) insertComponent.run(r.id, c.component, num(c.energyJ) ?? 0, num(c.meanPowerW), c.method);
    r.phases.forEach((p, i) => insertPhase.run(r.id, i, p.name, p.phase, num(p.durationS) ?? 0, num(p.energyJ) ?? 0, num(p.co2eGrams) ?? 0, p.method));
    r.variants.forEach((v, i) => insertVariant.run(r.id, i, ...VARIANT_COLUMNS.map(([, k]) => {
      const x = v[k];
      return typeof x === 'number' ? num(x) : (x ?? null);
    })));
  });
  try {
    write.immediate();
  } catch (err) {
    throw storeError(path, err);
  }
}

export interface RunSummary {
  id: string;
  command: string;
  startedAt: string;
  durationS: number;
  energyJ: number;
  co2eGrams: number;
  energyMethod: string;
  variants: number;
  status: string;
  source: string;
}

/** Runs, newest first. */
export function listRuns(db: StoreDb, limit = 1_000_000): RunSummary[] {
  return db.prepare(`SELECT r.id, r.command, r.started_at AS startedAt, r.duration_s AS durationS, r.energy_j AS energyJ, r.co2e_g AS co2eGrams,
      r.energy_method AS energyMethod, r.status, r.source, (SELECT COUNT(*) FROM variants v WHERE v.run_id = r.id) AS variants
    FROM runs r ORDER BY r.started_at DESC, r.recorded_at DESC LIMIT ?`).all(limit) as RunSummary[];
}

/** One run whole; a UserError naming the id when there is none. */
export function getRun(db: StoreDb, id: string): RunRecord {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  if (!row) {
    const near = db.prepare('SELECT id FROM runs WHERE id LIKE ? ORDER BY started_at DESC LIMIT 2').all(`${id}%`) as { id: string }[];
    if (near.length === 1) return getRun(db, near[0]!.id);
    throw new UserError(`--runs ${id}: no such run in ${db.name}${near.length > 1 ? ' (the prefix matches more than one run)' : ' (see `verde runs list`)'}`);
  }
  const components = db.prepare('SELECT component, energy_j AS energyJ, mean_power_w AS meanPowerW, method FROM components WHERE run_id = ?').all(row.id) as ComponentRecord[];
  const phases = db.prepare('SELECT name, phase, duration_s AS durationS, energy_j AS energyJ, co2e_g AS co2eGrams, method FROM phases WHERE run_id = ? ORDER BY seq').all(row.id) as PhaseRecord[];
  const variants = (db.prepare('SELECT * FROM variants WHERE run_id = ? ORDER BY seq').all(row.id) as Record<string, unknown>[]).map((v) => {
    const out: Record<string, unknown> = {};
    for (const [col, key] of VARIANT_COLUMNS) out[key] = v[col] ?? null;
    return out as unknown as VariantRecord;
  });
  return {
    id: String(row.id),
    command: String(row.command),
    flags: JSON.parse(String(row.flags)) as Record<string, unknown>,
    startedAt: String(row.started_at),
    durationS: Number(row.duration_s),
    cwd: String(row.cwd),
    gitCommit: (row.git_commit as string | null) ?? null,
    hardware: JSON.parse(String(row.hardware)) as RunRecord['hardware'],
    carbon: { countryIsoCode: String(row.country_iso), countryName: String(row.country_name), gPerKWh: Number(row.carbon_g_per_kwh), source: String(row.carbon_source) },
    energyJ: Number(row.energy_j),
    co2eGrams: Number(row.co2e_g),
    energyMethod: String(row.energy_method),
    waterLitres: (row.water_l as number | null) ?? null,
    components,
    phases,
    variants,
    source: String(row.source),
    status: row.status === 'running' ? 'running' : 'complete',
  };
}

/** The runs a report covers: the ids given, else the last `last` (default 1); empty store is an error. */
export function selectRuns(db: StoreDb, ids: string[] | undefined, last: number | undefined): RunRecord[] {
  if (ids && ids.length) return ids.map((id) => getRun(db, id));
  const rows = listRuns(db, last ?? 1);
  if (rows.length === 0) throw new UserError(`${db.name}: the run store is empty (run verde demo, text, fraud or measure first, or verde runs import emissions.csv)`);
  return rows.map((r) => getRun(db, r.id)).reverse();
}

/** Several runs in one transaction: all of them or none (an import). */
export function saveRuns(db: StoreDb, runs: RunRecord[], path = db.name): void {
  try {
    db.transaction(() => { for (const r of runs) saveRun(db, r, path); }).immediate();
  } catch (err) {
    throw storeError(path, err);
  }
}
