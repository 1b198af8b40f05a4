/**
 * The guide's §5 fraud-detection case, end to end: data (generated transactions through the
 * DuckDB stage, or a user's file), the baseline GBDT, then each green technique measured against
 * its plain counterpart on the same held-out rows. Writes DIR/results.json, DIR/results.csv and
 * every model as a verde model directory, all at once (nothing half-written lands in DIR).
 */
import { cpus, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Tracker } from '../../meter/index.js';
import { ensureWritableDir, writeDirAtomic, writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { makeTempDir } from '../../util/cleanup.js';
import type { CaseContext, CaseData } from './context.js';
import { prepareFileData, prepareGeneratedData } from './data.js';
import { ensureBaseline } from './gbdt-runs.js';
import { MeteredLedger, type EnergyBreakdown, type MeterContext, type PhaseEnergy } from './energy.js';
import { resolveFraudOptions, TECHNIQUES, type FraudCaseOptions, type TechniqueName } from './options.js';
import { resultsCsv, resultsTable, type FraudResults, type SkippedTechnique, type TechniqueResult } from './results.js';
import { activeLearningTechniques } from './techniques/active-learning.js';
import { batchingTechnique } from './techniques/batching.js';
import { distillationTechnique } from './techniques/distillation.js';
import { federatedTechnique } from './techniques/federated.js';
import { gbdtVsMlpTechnique } from './techniques/gbdt-vs-mlp.js';
import { hpoTechnique } from './techniques/hpo.js';
import { minimisationTechnique } from './techniques/minimisation.js';
import { pruningTechnique, quantisationTechnique } from './techniques/pruning.js';
import { transferTechnique } from './techniques/transfer.js';

export { TECHNIQUES, DEFAULT_ROWS, type FraudCaseOptions, type TechniqueName } from './options.js';
export type { FraudResults, ModelResult, TechniqueResult, DatasetResult } from './results.js';
export { resultsTable, resultsCsv } from './results.js';

const RUNNERS: Record<TechniqueName, (ctx: CaseContext) => Promise<TechniqueResult | TechniqueResult[]>> = {
  minimisation: minimisationTechnique,
  'gbdt-vs-mlp': gbdtVsMlpTechnique,
  hpo: hpoTechnique,
  'active-learning': activeLearningTechniques,
  pruning: pruningTechnique,
  quantisation: quantisationTechnique,
  distillation: distillationTechnique,
  transfer: transferTechnique,
  federated: federatedTechnique,
  batching: batchingTechnique,
};

/** Why a technique cannot run on this data (undefined: it can). */
function notApplicable(name: TechniqueName, data: CaseData): string | undefined {
  if (name === 'minimisation' && !data.minimisation) return 'needs generated transactions: the rule filter and dedup keys are transaction fields';
  if (name === 'transfer' && !data.institutions?.length) return 'needs a second institution\'s data (generated transactions only)';
  if (name === 'federated' && (data.federatedSites?.length ?? 0) < 2) return 'needs at least two sites';
  return undefined;
}

export interface FraudCaseRun {
  results: FraudResults;
  /** The §5-style table (also what the CLI prints). */
  table: string;
  outDir: string;
  /** Techniques that failed with an error (their rows are missing; the rest were written). */
  failed: SkippedTechnique[];
  /** The prepared splits (the registry fingerprints the training rows of `verde fraud --register`). */
  data: CaseData;
}

export async function runFraudCase(options: FraudCaseOptions): Promise<FraudCaseRun> {
  const o = resolveFraudOptions(options);
  const outDir = resolve(options.outDir);
  await ensureWritableDir(dirname(outDir));
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const ledger = new MeteredLedger();
  const meter: MeterContext = { country: o.country, ledger };
  const total = new Tracker({ scope: 'process', country: o.country, projectName: 'verde-fraud', intervalMs: 1000 });
  await total.start();
  const runStarted = performance.now();
  const { path: scratch, release: releaseScratch } = await makeTempDir('verde-fraud-data-'); // removed on Ctrl-C too
  try {
    return await writeDirAtomic(outDir, async (workDir) => {
      // Each phase is a span of the run's tracker: phases + unattributed = the run's total.
      const phases: PhaseEnergy[] = [];
      const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        const span = total.startSpan(name);
        const j0 = ledger.joules;
        try {
          return await fn();
        } finally {
          const r = await span.end();
          phases.push({ name, energyJ: r.energyJ, meteredJ: ledger.joules - j0, method: r.method });
        }
      };
      const data = await phase('data', () => (o.dataFile ? prepareFileData(o, log) : prepareGeneratedData(o, meter, scratch, log)));
      const ctx: CaseContext = { opts: o, data, meter, tracker: total, workDir, models: [], techniques: [], notice: log };
      log(`fraud: data ready (${((performance.now() - runStarted) / 1000).toFixed(1)} s): ${data.splitHow}`);
      await phase('baseline', () => ensureBaseline(ctx));
      const skipped: SkippedTechnique[] = [];
      const failed: SkippedTechnique[] = [];
      for (const name of TECHNIQUES) {
        if (o.skip.has(name)) { skipped.push({ name, reason: '--skip' }); continue; }
        const why = notApplicable(name, data);
        if (why) { skipped.push({ name, reason: why }); log(`fraud: ${name} skipped: ${why}`); continue; }
        const started = performance.now();
        try {
          const r = await phase(name, () => RUNNERS[name](ctx));
          const took = ((performance.now() - started) / 1000).toFixed(1);
          for (const t of Array.isArray(r) ? r : [r]) {
            ctx.techniques.push(t);
            log(`fraud: ${t.name} (${took} s): ${t.summary}`);
          }
        } catch (err) {
          if ((err as Error).name === 'UserError') throw err;
          const reason = `failed: ${(err as Error).message.split('\n')[0]}`;
          failed.push({ name, reason });
          skipped.push({ name, reason });
          log(`fraud: ${name} ${reason}`);
        }
      }
      const energy = await total.stop();
      const phasesJ = phases.reduce((a, p) => a + p.energyJ, 0);
      const energyBreakdown: EnergyBreakdown = { phases, unattributedJ: energy.energyJ - phasesJ, totalJ: energy.energyJ };
      const results: FraudResults = {
        case: 'fraud-detection',
        guideSection: '§5',
        createdAt: new Date().toISOString(),
        seed: o.seed,
        options: { rows: o.dataFile ? null : o.rows, dataFile: o.dataFile ?? null, labelCol: o.labelCol ?? null, clients: o.clients, threads: o.threads, country: o.country ?? null },
        machine: { cpus: cpus().length, platform: platform(), node: process.version },
        split: { trainRows: data.train.y.length, validRows: data.valid.y.length, testRows: data.test.y.length, how: data.splitHow },
        datasets: data.datasets,
        models: ctx.models,
        techniques: ctx.techniques,
        skipped,
        energyMethodNote: `${energy.method} (process scope: this process, its worker threads and its child processes, live and reaped); every energy figure is in joules with its method beside it`,
        totalEnergyJ: energy.energyJ,
        energyBreakdown,
        totalCo2eGrams: energy.co2eGrams,
        carbonIntensityGPerKWh: energy.carbonIntensityGPerKWh,
        carbonIntensitySource: energy.carbonIntensitySource,
      };
      await writeJsonAtomic(join(workDir, 'results.json'), results);
      await writeFileAtomic(join(workDir, 'results.csv'), resultsCsv(results));
      const table = resultsTable(results);
      await writeFileAtomic(join(workDir, 'results.md'), table + '\n');
      return { results, table, outDir, failed, data };
    });
  } finally {
    if (total.running) await total.stop();
    await releaseScratch();
  }
}
