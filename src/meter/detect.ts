/**
 * What `verde detect` reports: every source the meter knows, whether it is readable here and why
 * (not), and the method each component would use. The same choices as components/build.ts.
 */
import { resolveOptions, type MeterOptions } from './options.js';
import { discoverRapl, zonesToSum } from './sources/rapl.js';
import { cpuPowerSpec } from './sources/cpu-model.js';
import { machineMemory } from './sources/ram.js';
import { openNvml } from './components/build.js';
import { chooseNvmlGpus, chooseSmiGpus } from './components/gpu-choice.js';
import { querySmi } from './sources/nvidia-smi.js';
import { methodLabel } from './method-label.js';
import type { EnergyMethod } from './types.js';
import { CARBON_INTENSITY_TABLE } from './carbon/intensity-table.js';
import { ELECTRICITYMAPS_TOKEN_ENV } from './carbon/electricity-maps.js';
import { existsSync } from 'node:fs';

export interface SourceStatus {
  source: string;
  readable: boolean;
  why: string;
}

export interface DetectReport {
  scope: 'process' | 'machine';
  sources: SourceStatus[];
  methods: { cpu: EnergyMethod; ram: EnergyMethod; gpu: EnergyMethod };
  /** The same with what is apportioned (methodLabel): e.g. "measured:rapl, attributed by CPU time". */
  labels: { cpu: string; ram: string; gpu: string };
  cpu: { model: string; threads: number; tdpW: number; tdpSource: string };
  ramTotalGiB: number;
}

export async function detectSources(opts: MeterOptions = {}): Promise<DetectReport> {
  const o = resolveOptions({ ...opts, onNotice: () => {} });
  const sources: SourceStatus[] = [];

  // RAPL
  const rapl = discoverRapl(o.sysfsRoot);
  const { cpu: pkg, dram } = zonesToSum(rapl.zones);
  if (rapl.unavailable) sources.push({ source: 'RAPL (powercap)', readable: false, why: rapl.unavailable });
  for (const z of rapl.zones) {
    const summed = pkg.includes(z) ? 'summed as CPU' : dram.includes(z) ? 'summed as RAM (machine scope)' : z.role === 'psys' ? 'not summed: platform zone contains the packages' : `not summed: ${z.role} is inside its package`;
    sources.push({ source: `RAPL ${z.id} (${z.name})`, readable: z.readable, why: z.readable ? `energy_uj readable, wraps at ${z.maxEnergyRangeUj} uJ; ${summed}` : z.error ?? 'unreadable' });
  }
  const raplCpu = pkg.length > 0 && pkg.every((z) => z.readable) && o.tdpW === undefined;
  const raplRam = raplCpu && o.scope === 'machine' && dram.length > 0 && dram.every((z) => z.readable);

  // GPUs
  let gpuMethod: EnergyMethod = 'none';
  const { nvml, reason, owned } = await openNvml(o);
  if (nvml) {
    const { note, probes, used } = chooseNvmlGpus(nvml, o.env);
    sources.push({ source: 'NVML', readable: true, why: `${reason}; ${nvml.devices().length} GPU(s)${note ? `; ${note}` : ''}` });
    for (const p of probes) sources.push({ source: `GPU ${p.gpu.index} ${p.gpu.name}`, readable: p.mode !== 'zero', why: p.reason });
    if (used.length > 0) gpuMethod = 'measured:nvml';
    if (owned) nvml.shutdown();
  } else {
    sources.push({ source: 'NVML', readable: false, why: reason });
  }
  if (o.nvidiaSmi !== false) {
    try {
      const readings = await querySmi(o.nvidiaSmi, o.env);
      const { visible, note, tracked } = chooseSmiGpus(readings, o.env);
      sources.push({
        source: 'nvidia-smi',
        readable: true,
        why: `${readings.length} GPU(s); ${visible.map((g) => `GPU ${g.index} ${g.name}: ${g.powerW === undefined ? 'no power reading (left out)' : g.powerW === 0 ? 'reports 0 W (left out, virtual GPU or unsupported sensor)' : `${g.powerW} W`}`).join('; ')}${note ? `; ${note}` : ''}${nvml ? '; not used: NVML is preferred' : ''}`,
      });
      if (!nvml && tracked.length > 0) gpuMethod = 'measured:nvidia-smi';
    } catch (err) {
      sources.push({ source: 'nvidia-smi', readable: false, why: (err as Error).message });
    }
  }

  // CPU model / TDP
  const spec = cpuPowerSpec({ tdpW: o.tdpW });
  sources.push({ source: 'CPU model / TDP', readable: true, why: `${spec.detail}; ${spec.threads} threads visible` });
  // RAM
  const mem = machineMemory(o.sysfsRoot);
  const procOk = existsSync(`${o.procRoot}/self/status`);
  sources.push({
    source: 'RAM',
    readable: true,
    why: `${mem.detail}; process scope uses resident memory (${procOk ? '/proc/<pid>/status VmRSS' : 'process.memoryUsage() for this process only'}) x 0.375 W/GiB`,
  });
  sources.push({
    source: 'Process CPU time',
    readable: procOk,
    why: procOk ? '/proc/<pid>/stat utime+stime of the tree, /proc/self/stat cutime+cstime for reaped children; process.cpuUsage() in-process' : 'no /proc: only in-process measure() (process.cpuUsage()) can scope to a process',
  });
  // Carbon
  const token = o.env[ELECTRICITYMAPS_TOKEN_ENV];
  sources.push({
    source: 'Carbon intensity',
    readable: true,
    why: `table of ${Object.keys(CARBON_INTENSITY_TABLE).length} countries (Our World in Data); world default 475 g/kWh; Electricity Maps live: ${token ? 'token set (falls back to the table offline)' : `off (set ${ELECTRICITYMAPS_TOKEN_ENV})`}`,
  });

  const methods = { cpu: raplCpu ? 'measured:rapl' : 'modelled:tdp', ram: raplRam ? 'measured:rapl' : 'modelled:ram', gpu: gpuMethod } as const;
  return {
    scope: o.scope,
    sources,
    methods,
    labels: {
      cpu: methodLabel(methods.cpu, raplCpu && o.scope === 'process' ? 'attributed by CPU time' : undefined),
      ram: methodLabel(methods.ram),
      gpu: methodLabel(methods.gpu, methods.gpu === 'none' ? undefined : 'whole device'),
    },
    cpu: { model: spec.model, threads: spec.threads, tdpW: spec.tdpW, tdpSource: spec.source },
    ramTotalGiB: mem.bytes / 1024 ** 3,
  };
}
