/**
 * Which GPUs the meter measures, decided in one place for the tracker (build.ts) and for
 * `verde detect` (detect.ts): only devices CUDA_VISIBLE_DEVICES exposes; through NVML, those whose
 * probe reads power (not 'zero'); through nvidia-smi, those reporting a power draw above 0 W (a
 * virtual GPU or an unsupported sensor is left out, never counted as 0 J).
 */
import { visibleGpus } from '../sources/cuda-visible.js';
import type { SmiReading } from '../sources/nvidia-smi.js';
import type { NvmlBinding } from '../sources/nvml.js';
import { probeNvmlDevice, type GpuProbe } from './gpu-nvml.js';

export interface NvmlChoice {
  visible: ReturnType<NvmlBinding['devices']>;
  /** Why some devices are hidden (CUDA_VISIBLE_DEVICES), or ''. */
  note: string;
  /** One probe per visible device, measurable or not. */
  probes: GpuProbe[];
  /** The probes that will be measured. */
  used: GpuProbe[];
}

export function chooseNvmlGpus(nvml: NvmlBinding, env: NodeJS.ProcessEnv): NvmlChoice {
  const { visible, note } = visibleGpus(nvml.devices(), env);
  const probes = visible.map((g) => probeNvmlDevice(nvml, g));
  return { visible, note, probes, used: probes.filter((p) => p.mode !== 'zero') };
}

export interface SmiChoice {
  visible: SmiReading[];
  note: string;
  /** Devices measured: a power reading above 0 W. */
  tracked: SmiReading[];
  /** Visible devices without a usable power reading. */
  leftOut: SmiReading[];
}

export function chooseSmiGpus(readings: SmiReading[], env: NodeJS.ProcessEnv): SmiChoice {
  const { visible, note } = visibleGpus(readings, env);
  const tracked = visible.filter((g) => g.powerW !== undefined && g.powerW > 0);
  return { visible, note, tracked, leftOut: visible.filter((g) => !tracked.includes(g)) };
}
