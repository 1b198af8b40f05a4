/**
 * MeterOptions: what a caller may set on a Tracker or measure(), and their validation. Bad values
 * are UserErrors naming the option, so the CLI can print them as one line.
 */
import { UserError } from '../util/errors.js';

export interface MeterOptions {
  /**
   * 'process' (default): energy of the tracked process (and, for a spawned command, its process tree):
   * CPU by CPU-time share, RAM by resident memory. 'machine': the whole machine's power.
   */
  scope?: 'process' | 'machine';
  /** ISO 3166-1 alpha-3 country code for the grid carbon intensity (e.g. 'ESP'). Default: world average. */
  country?: string;
  /** Carbon intensity override in gCO2e/kWh (wins over country and the live source). */
  carbonIntensity?: number;
  /** Power usage effectiveness of the data centre; multiplies every energy figure. Default 1.0. */
  pue?: number;
  /** Water usage effectiveness in litres/kWh; water is reported only when this is given. */
  wue?: number;
  /** Sampling interval in milliseconds (RAM, machine load, GPU power, RAPL wrap-around). Default 1000. */
  intervalMs?: number;
  /** Name written to emissions.csv's project_name. Default 'verde'. */
  projectName?: string;
  /** TDP override in watts for the visible CPUs (all of them), used by the power model. */
  tdpW?: number;
  /** Track this process id and its descendants instead of the current process (used by `verde measure`). */
  pid?: number;
  /** Root of the sysfs tree for RAPL (tests point it at a fake tree). Default '/sys'. */
  sysfsRoot?: string;
  /** Root of procfs (default '/proc'). */
  procRoot?: string;
  /**
   * NVML binding to use instead of loading libnvidia-ml.so.1 (tests pass a fake), or false to skip
   * NVML. See sources/nvml.ts for the interface.
   */
  nvml?: import('./sources/nvml.js').NvmlBinding | false;
  /** nvidia-smi executable to use as a fallback (default 'nvidia-smi' on PATH), or false to skip. */
  nvidiaSmi?: string | false;
  /** Environment to read CUDA_VISIBLE_DEVICES and the Electricity Maps token from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Use the Electricity Maps live API when a token is set (default true). */
  liveCarbon?: boolean;
  /** Called with one-line notices (e.g. "RAPL energy_uj is root-only: ... using the TDP model"). */
  onNotice?: (message: string) => void;
  /** Run id (default: a random UUID). */
  runId?: string;
  /**
   * How many finished spans the report lists (the most recent); older ones still count in
   * spanTotals. Bounds memory in a long-running server. Default 1000.
   */
  maxSpans?: number;
  /**
   * With `pid` for a command spawned just before: this process's reaped-children CPU seconds read
   * before the spawn, so the whole life of the command is counted from 0 (used by measureCommand).
   */
  childCpuBaseS?: number;
}

export interface ResolvedOptions {
  scope: 'process' | 'machine';
  country?: string;
  carbonIntensity?: number;
  pue: number;
  wue?: number;
  intervalMs: number;
  projectName: string;
  tdpW?: number;
  pid?: number;
  sysfsRoot: string;
  procRoot: string;
  nvml?: MeterOptions['nvml'];
  nvidiaSmi: string | false;
  env: NodeJS.ProcessEnv;
  liveCarbon: boolean;
  onNotice: (message: string) => void;
  runId?: string;
  childCpuBaseS?: number;
  maxSpans: number;
}

function positive(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new UserError(`${name}: must be a positive number, got ${value}`);
  }
}

export function resolveOptions(opts: MeterOptions = {}): ResolvedOptions {
  const scope = opts.scope ?? 'process';
  if (scope !== 'process' && scope !== 'machine') {
    throw new UserError(`scope: must be "process" or "machine", got "${String(scope)}"`);
  }
  positive('intervalMs', opts.intervalMs);
  positive('pue', opts.pue);
  positive('tdpW', opts.tdpW);
  if (opts.maxSpans !== undefined && !(Number.isInteger(opts.maxSpans) && opts.maxSpans >= 0)) {
    throw new UserError(`maxSpans: must be a whole number >= 0, got ${opts.maxSpans}`);
  }
  if (opts.pue !== undefined && opts.pue < 1) throw new UserError(`pue: must be >= 1.0, got ${opts.pue}`);
  if (opts.wue !== undefined && !(Number.isFinite(opts.wue) && opts.wue >= 0)) {
    throw new UserError(`wue: must be a number >= 0 (litres/kWh), got ${opts.wue}`);
  }
  if (opts.carbonIntensity !== undefined && !(Number.isFinite(opts.carbonIntensity) && opts.carbonIntensity >= 0)) {
    throw new UserError(`carbonIntensity: must be a number >= 0 (gCO2e/kWh), got ${opts.carbonIntensity}`);
  }
  return {
    scope,
    country: opts.country,
    carbonIntensity: opts.carbonIntensity,
    pue: opts.pue ?? 1.0,
    wue: opts.wue,
    intervalMs: opts.intervalMs ?? 1000,
    projectName: opts.projectName ?? 'verde',
    tdpW: opts.tdpW,
    pid: opts.pid,
    sysfsRoot: opts.sysfsRoot ?? '/sys',
    procRoot: opts.procRoot ?? '/proc',
    nvml: opts.nvml,
    nvidiaSmi: opts.nvidiaSmi ?? 'nvidia-smi',
    env: opts.env ?? process.env,
    liveCarbon: opts.liveCarbon ?? true,
    onNotice: opts.onNotice ?? ((m) => process.stderr.write(`verde meter: ${m}\n`)),
    runId: opts.runId,
    childCpuBaseS: opts.childCpuBaseS,
    maxSpans: opts.maxSpans ?? 1000,
  };
}
