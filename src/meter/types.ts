/**
 * The meter's public vocabulary. Every energy figure verde prints or writes carries a `method`
 * string saying how it was obtained, and a modelled figure is never labelled as measured.
 */

/** How an energy figure was obtained. */
export type EnergyMethod =
  | 'measured:rapl' // Linux powercap RAPL counters (Intel and AMD)
  | 'measured:nvml' // NVIDIA NVML total-energy counter, or its power samples integrated
  | 'measured:nvidia-smi' // nvidia-smi power.draw samples integrated
  | 'modelled:tdp' // CPU power modelled from TDP and load (no counter readable)
  | 'modelled:ram' // RAM power modelled from memory held
  | 'none'; // nothing to measure (e.g. no GPU)

export type Component = 'cpu' | 'gpu' | 'ram';

export interface ComponentEnergy {
  component: Component;
  /** Energy in joules, before PUE. */
  energyJ: number;
  /** Mean power over the window in watts. */
  meanPowerW: number;
  method: EnergyMethod;
  /** Set when the figure is a share of a device counter, or a whole device that others may share. */
  apportioned?: Apportioning;
  /** The method as printed everywhere (methodLabel): e.g. "measured:rapl, attributed by CPU time". */
  methodLabel?: string;
  /** Free text, e.g. the CPU model and TDP used, or which RAPL zones were summed. */
  detail?: string;
}

/** Energy attributed to a named span inside a tracked process (a pipeline stage, a served batch). */
export interface SpanReport {
  name: string;
  startedAt: string;
  durationS: number;
  energyJ: number; // after PUE
  components: ComponentEnergy[];
  co2eGrams: number;
  method: string;
}

export interface EnergyReport {
  runId: string;
  projectName: string;
  startedAt: string; // ISO 8601
  durationS: number;
  /** Total energy in joules, PUE applied. */
  energyJ: number;
  components: ComponentEnergy[];
  /** Summary of the methods used, e.g. "modelled:tdp" or "measured:rapl+modelled:ram". */
  method: string;
  scope: 'process' | 'machine';
  pue: number;
  countryIsoCode: string;
  countryName: string;
  carbonIntensityGPerKWh: number;
  /** Where the intensity came from, e.g. "table:owid-2023", "flag", "electricitymaps", "default:world". */
  carbonIntensitySource: string;
  co2eGrams: number;
  /** Litres of water, only when a WUE was given; never invented. */
  waterLitres?: number;
  /** Finished spans, the most recent MeterOptions.maxSpans of them (default 1000). */
  spans: SpanReport[];
  /** Totals of every finished span by name (kept even when old spans drop out of `spans`). */
  spanTotals?: SpanTotal[];
  /**
   * Spans as a breakdown that adds up (present once a span has ended): the energy inside at least
   * one span, each instant once (overlapping spans' plain sum can exceed it), and the rest of the
   * run, outside every span (idle, set-up, unattributed). spanUnionJ + outsideSpansJ = energyJ.
   */
  spanUnionJ?: number;
  outsideSpansJ?: number;
  /** Water usage effectiveness (litres/kWh) the water figure was computed with, when given. */
  wue?: number;
  /** The machine and utilisation figures CodeCarbon's emissions.csv also records. */
  machine?: MachineInfo;
  /** One-line notices raised while measuring (e.g. RAPL unreadable, a GPU that reports 0 W). */
  notices?: string[];
}

export interface SpanTotal {
  name: string;
  count: number;
  /** Joules, PUE applied. */
  energyJ: number;
  co2eGrams: number;
}

/** Hardware and utilisation context of a run (filled by the tracker; used by the CSV writer). */
export interface MachineInfo {
  os: string;
  nodeVersion: string;
  cpuModel: string;
  cpuCount: number;
  gpuCount: number;
  gpuModel: string;
  ramTotalGiB: number;
  /** Process scope: CPU seconds / (wall x CPUs); machine scope: machine load. Percent. */
  cpuUtilizationPercent: number;
  gpuUtilizationPercent?: number;
  /** Process scope: mean resident memory of the target; machine scope: memory in use. GiB. */
  ramUsedGiB: number;
  ramUtilizationPercent: number;
}

/** How a share of a device counter was taken, when a figure is one (see method-label.ts). */
export type Apportioning = 'attributed by CPU time' | 'whole device';
