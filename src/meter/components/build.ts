/**
 * Chooses, for each component, the best source readable here — RAPL before the TDP model for CPU
 * (and, in machine scope, RAPL dram before the RAM model); NVML before nvidia-smi for GPUs — and
 * tells the caller once why a better source was not used.
 */
import type { ComponentMeter } from './component.js';
import type { ResolvedOptions } from '../options.js';
import { cpuPowerSpec, type CpuPowerSpec } from '../sources/cpu-model.js';
import { machineMemory } from '../sources/ram.js';
import { selfTarget, treeTarget, type TrackedTarget } from './target.js';
import { MachineTdpCpu, ProcessTdpCpu } from './cpu-tdp.js';
import { MachineRam, ProcessRam } from './ram-model.js';
import { NoGpu } from './no-gpu.js';
import { RaplEnergy } from './rapl.js';
import { discoverRapl, zonesToSum, RAPL_ROOT_ONLY_FIX } from '../sources/rapl.js';
import { loadNvml, nvidiaDriverAbsent, type NvmlBinding } from '../sources/nvml.js';
import { querySmi, type SmiReading } from '../sources/nvidia-smi.js';
import { chooseNvmlGpus, chooseSmiGpus } from './gpu-choice.js';
import { NvmlGpu } from './gpu-nvml.js';
import { SmiGpu } from './gpu-smi.js';

export interface BuiltComponents {
  cpu: ComponentMeter;
  ram: ComponentMeter;
  gpu: ComponentMeter;
  target: TrackedTarget;
  cpuSpec: CpuPowerSpec;
  machineRamBytes: number;
  gpuCount: number;
  gpuModel: string;
}

export async function buildComponents(opts: ResolvedOptions, nowMs: number): Promise<BuiltComponents> {
  const target = opts.pid !== undefined ? treeTarget(opts.pid, opts.procRoot, opts.childCpuBaseS, opts.intervalMs) : selfTarget(opts.procRoot, opts.intervalMs);
  const cpuSpec = cpuPowerSpec({ tdpW: opts.tdpW });
  const mem = machineMemory(opts.sysfsRoot);

  // CPU and DRAM: RAPL when its counters can be read, else the model.
  const rapl = discoverRapl(opts.sysfsRoot);
  const { cpu: pkgZones, dram: dramZones } = zonesToSum(rapl.zones);
  let cpu: ComponentMeter | undefined;
  let ram: ComponentMeter | undefined;
  if (pkgZones.length > 0 && opts.tdpW === undefined) {
    if (pkgZones.every((z) => z.readable)) {
      cpu = new RaplEnergy('cpu', pkgZones, opts.scope === 'process' ? { target, procRoot: opts.procRoot } : undefined);
      if (opts.scope === 'machine' && dramZones.length > 0 && dramZones.every((z) => z.readable)) {
        ram = new RaplEnergy('ram', dramZones);
      }
    } else {
      const bad = pkgZones.find((z) => !z.readable)!;
      opts.onNotice(
        /permission denied/.test(bad.error ?? '')
          ? `RAPL present but ${bad.id}/energy_uj is not readable: ${RAPL_ROOT_ONLY_FIX}. Using the TDP model (modelled:tdp).`
          : `RAPL present but unreadable (${bad.error}). Using the TDP model (modelled:tdp).`,
      );
    }
  }
  cpu ??= opts.scope === 'process' ? new ProcessTdpCpu(cpuSpec, target) : new MachineTdpCpu(cpuSpec, nowMs, opts.procRoot);
  ram ??= opts.scope === 'process' ? new ProcessRam(target, nowMs) : new MachineRam(mem.bytes, mem.detail, nowMs);

  const gpu = await buildGpu(opts, nowMs);
  return { cpu, ram, gpu: gpu.meter, target, cpuSpec, machineRamBytes: mem.bytes, gpuCount: gpu.count, gpuModel: gpu.model };
}

interface GpuChoice {
  meter: ComponentMeter;
  count: number;
  model: string;
}

function modelOf(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => `${c} x ${n}`).join(', ');
}

export async function openNvml(opts: ResolvedOptions): Promise<{ nvml?: NvmlBinding; reason: string; owned?: boolean }> {
  if (opts.nvml === false) return { reason: 'NVML disabled by the caller' };
  if (opts.nvml) return { nvml: opts.nvml, reason: 'NVML binding given by the caller' };
  const absent = nvidiaDriverAbsent();
  if (absent) return { reason: absent };
  try {
    return { nvml: await loadNvml(), reason: 'libnvidia-ml.so.1 loaded', owned: true };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

async function buildGpu(opts: ResolvedOptions, nowMs: number): Promise<GpuChoice> {
  const { nvml, reason: nvmlReason, owned } = await openNvml(opts);
  if (nvml) {
    const { visible, note, probes } = chooseNvmlGpus(nvml, opts.env);
    for (const p of probes) if (p.mode === 'zero') opts.onNotice(`GPU ${p.gpu.index} ${p.gpu.name} ${p.reason}`);
    const meter = new NvmlGpu(nvml, probes, nowMs, note, owned === true);
    if (meter.count > 0) {
      const used = probes.filter((p) => p.mode !== 'zero').map((p) => p.gpu.name);
      return { meter, count: used.length, model: modelOf(used) };
    }
    meter.close();
    const why = visible.length === 0 ? note || 'NVML sees no GPU' : meter.detail;
    return { meter: new NoGpu(`no GPU measured: ${why}`), count: 0, model: '' };
  }
  if (opts.nvidiaSmi === false) return { meter: new NoGpu(`no GPU: ${nvmlReason}`), count: 0, model: '' };
  let readings: SmiReading[];
  try {
    readings = await querySmi(opts.nvidiaSmi, opts.env);
  } catch (err) {
    return { meter: new NoGpu(`no NVIDIA GPU: ${nvmlReason}; ${(err as Error).message}`), count: 0, model: '' };
  }
  const { note, tracked, leftOut } = chooseSmiGpus(readings, opts.env);
  for (const g of leftOut) opts.onNotice(`GPU ${g.index} ${g.name} reports ${g.powerW === undefined ? 'no power reading' : '0 W'} (virtual GPU or unsupported sensor): left out, not counted as 0 J`);
  const meter = new SmiGpu(opts.nvidiaSmi, opts.env, tracked, leftOut, nowMs, `NVML not used (${nvmlReason})${note ? `; ${note}` : ''}`);
  if (tracked.length === 0) return { meter: new NoGpu(`no GPU measured: ${meter.detail}`), count: 0, model: '' };
  return { meter, count: tracked.length, model: modelOf(tracked.map((g) => g.name)) };
}
