/**
 * CUDA_VISIBLE_DEVICES: a job that may use only some GPUs is billed only for those (eco2AI bills
 * them all, an open complaint). Entries are indices or UUID prefixes (GPU-...); CUDA stops at the
 * first invalid entry, and an empty value hides every GPU. Indices follow CUDA's order, which equals
 * NVML's/nvidia-smi's PCI order when CUDA_DEVICE_ORDER=PCI_BUS_ID (the usual cluster setting).
 */
export interface GpuIdentity {
  index: number;
  uuid: string;
  name: string;
}

export interface Visibility<T extends GpuIdentity> {
  visible: T[];
  /** Why some GPUs are left out, or '' when all are visible. */
  note: string;
}

export function visibleGpus<T extends GpuIdentity>(all: T[], env: NodeJS.ProcessEnv): Visibility<T> {
  const spec = env.CUDA_VISIBLE_DEVICES;
  if (spec === undefined) return { visible: all, note: '' };
  const visible: T[] = [];
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (entry === '') break;
    let gpu: T | undefined;
    if (/^\d+$/.test(entry)) gpu = all.find((g) => g.index === Number(entry));
    else if (/^(GPU|MIG)-/i.test(entry)) gpu = all.find((g) => g.uuid.toLowerCase().startsWith(entry.toLowerCase()));
    if (!gpu) break; // CUDA ignores the rest of the list after an invalid entry
    if (!visible.includes(gpu)) visible.push(gpu);
  }
  const hidden = all.length - visible.length;
  return {
    visible,
    note: hidden > 0 ? `CUDA_VISIBLE_DEVICES="${spec}": ${visible.length} of ${all.length} GPUs tracked` : '',
  };
}
