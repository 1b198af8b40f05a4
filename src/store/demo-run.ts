/**
 * `verde demo`'s record: the whole run's meter report (components, the two cases as spans) with
 * the text case's stages and variants and the fraud case's models (the CLI then writes the demo's report page from it).
 */
import type { EnergyReport } from '../meter/types.js';
import type { TextCaseResult } from '../cases/text/index.js';
import type { FraudCaseRun } from '../cases/fraud/index.js';
import { meterRun, textParts, fraudParts, fraudDataset } from './from-cases.js';
import { recordWith } from './record.js';

export interface DemoParts {
  text?: TextCaseResult;
  fraud?: FraudCaseRun;
}

/** Records the demo; returns the run id (undefined when the store could not be written). */
export async function recordDemo(report: EnergyReport, parts: DemoParts, flags: { store?: string } & Record<string, unknown>): Promise<string | undefined> {
  const run = await recordWith(() => {
    const r = meterRun('demo', flags, report);
    const t = parts.text ? textParts(parts.text.results, parts.text.out) : { phases: [], variants: [] };
    const f = parts.fraud ? fraudParts(parts.fraud.results, parts.fraud.outDir) : { phases: [], variants: [] };
    // The case spans' energy is now split by phase; only the whole run's remainder stays "other".
    const split = [...t.phases, ...f.phases];
    const rest = r.energyJ - split.reduce((a, p) => a + p.energyJ, 0);
    r.phases = [...split, ...(rest > 0 ? [{ name: 'demo: outside the cases', phase: 'other' as const, durationS: 0, energyJ: rest, co2eGrams: (rest / 3.6e6) * r.carbon.gPerKWh, method: r.energyMethod }] : [])];
    r.variants = [...t.variants, ...f.variants];
    return r;
  }, flags.store, { 'text-classification': parts.text?.results.dataset, 'tabular-classification': fraudDataset(parts.fraud?.results) });
  return run?.id;
}
