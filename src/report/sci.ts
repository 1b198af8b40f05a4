/**
 * The Software Carbon Intensity (Green Software Foundation; ISO/IEC 21031:2024):
 *   SCI = (O + M) per R,  O = E x I,  M = TE x (TiR / EL) x (RR / ToR)
 * E: kWh per functional unit (PUE included when given); I: location-based gCO2e/kWh (no market
 * instruments); TE: embodied emissions of the hardware; TiR: time reserved; EL: expected lifetime;
 * RR / ToR: share of the hardware's resources reserved (threads used / threads of the reference node).
 * R here: one inference (consumer boundary, SCI for AI), 1,000 rows scored (tabular), one training run.
 */

export interface EmbodiedFigure {
  hardwareClass: string;
  /** TE, kgCO2e for the whole reference node. */
  totalKgCO2e: number;
  lifetimeYears: number;
  /** ToR: hardware threads of the reference node. */
  nodeThreads: number;
  source: string;
  /** true when the figure is the documented default (not given by the user). */
  modelled: boolean;
}

const SECONDS_PER_YEAR = 365.25 * 24 * 3600;

/**
 * Documented default: a two-socket CPU compute node, 1,100 kgCO2e manufacturing and transport
 * (EPCC's ARCHER2 scope-3 estimate per HPE Cray EX node, 2x AMD EPYC 7742 = 128 cores / 256
 * threads, https://github.com/ARCHER2-HPC/emissions-tools), over 6 years as ARCHER2 assumes.
 * GPUs are not in that figure: with GPUs, give --embodied-kgco2e for the machine.
 */
export const CPU_NODE: EmbodiedFigure = {
  hardwareClass: 'cpu-node (2-socket server)',
  totalKgCO2e: 1100,
  lifetimeYears: 6,
  nodeThreads: 256,
  source: 'ARCHER2 (EPCC) compute-node scope-3 estimate, 1,100 kgCO2e, 6-year life',
  modelled: true,
};

export function embodiedFigure(opts: { embodiedKgCO2e?: number; lifetimeYears?: number; nodeThreads?: number } = {}): EmbodiedFigure {
  if (opts.embodiedKgCO2e === undefined) return { ...CPU_NODE, lifetimeYears: opts.lifetimeYears ?? CPU_NODE.lifetimeYears };
  return {
    hardwareClass: 'given by --embodied-kgco2e',
    totalKgCO2e: opts.embodiedKgCO2e,
    lifetimeYears: opts.lifetimeYears ?? CPU_NODE.lifetimeYears,
    nodeThreads: opts.nodeThreads ?? 0,
    source: 'user (--embodied-kgco2e, --lifetime-years)',
    modelled: false,
  };
}

/** M in gCO2e for `seconds` of `threads` hardware threads (all of the machine when nodeThreads is 0). */
export function embodiedGrams(f: EmbodiedFigure, seconds: number, threads: number): number {
  const share = f.nodeThreads > 0 ? Math.min(1, threads / f.nodeThreads) : 1;
  return f.totalKgCO2e * 1000 * (seconds / (f.lifetimeYears * SECONDS_PER_YEAR)) * share;
}

export interface SciScore {
  functionalUnit: string;
  /** E, kWh per unit. */
  energyKWh: number;
  /** I, gCO2e/kWh. */
  intensity: number;
  /** O = E x I, gCO2e per unit. */
  operationalG: number;
  /** M per unit, gCO2e (null when the time per unit is unknown). */
  embodiedG: number | null;
  /** (O + M) per R, gCO2e. */
  sci: number;
  /** Which terms are modelled rather than measured. */
  modelledTerms: string[];
}

export function sciScore(o: { functionalUnit: string; energyJ: number; intensity: number; seconds: number | null; threads: number; units: number; energyMethod: string; intensitySource: string; embodied: EmbodiedFigure }): SciScore {
  const energyKWh = o.energyJ / 3.6e6 / o.units;
  const operationalG = energyKWh * o.intensity;
  const embodiedG = o.seconds === null ? null : embodiedGrams(o.embodied, o.seconds, o.threads) / o.units;
  const modelledTerms: string[] = [];
  if (!o.energyMethod.startsWith('measured') || o.energyMethod.includes('modelled')) modelledTerms.push(`E (${o.energyMethod})`);
  if (o.intensitySource.startsWith('default')) modelledTerms.push(`I (${o.intensitySource})`);
  if (o.embodied.modelled) modelledTerms.push(`M (${o.embodied.hardwareClass} default)`);
  if (embodiedG === null) modelledTerms.push('M left out: time per unit unknown');
  return { functionalUnit: o.functionalUnit, energyKWh, intensity: o.intensity, operationalG, embodiedG, sci: operationalG + (embodiedG ?? 0), modelledTerms };
}
