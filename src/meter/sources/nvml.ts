/**
 * NVIDIA GPUs through NVML (libnvidia-ml.so.1), called with koffi (no native build step).
 * The NvmlBinding interface is deliberately small — the tracker and `verde detect` need only the
 * device list, the total-energy counter and the power reading — so tests can pass a plain JS
 * object implementing it instead of the library.
 */
import { existsSync } from 'node:fs';
import type { GpuIdentity } from './cuda-visible.js';

export interface NvmlBinding {
  /** Every device NVML sees, in NVML (PCI) order. */
  devices(): GpuIdentity[];
  /**
   * nvmlDeviceGetTotalEnergyConsumption: millijoules since the driver was loaded (Volta and newer),
   * or undefined when unsupported.
   */
  totalEnergyMj(index: number): number | undefined;
  /** nvmlDeviceGetPowerUsage: milliwatts now, or undefined when unsupported. */
  powerMw(index: number): number | undefined;
  shutdown(): void;
}

const NVML_SUCCESS = 0;
export const NVML_LIBRARY = 'libnvidia-ml.so.1';
let deviceTypeDeclared = false;

/**
 * Cheap pre-check before loading koffi and dlopen-ing NVML (~20 ms of CPU): on Linux an NVIDIA
 * driver shows itself as /proc/driver/nvidia or /dev/nvidiactl (containers), or /dev/dxg (WSL2).
 * Returns the reason there is none, or undefined when NVML is worth trying.
 */
export function nvidiaDriverAbsent(): string | undefined {
  if (process.platform !== 'linux') return process.platform === 'win32' ? undefined : `no NVML on ${process.platform}`;
  const marks = ['/proc/driver/nvidia', '/dev/nvidiactl', '/dev/dxg'];
  return marks.some((p) => existsSync(p)) ? undefined : `no NVIDIA driver (none of ${marks.join(', ')} exists)`;
}

/**
 * Load and initialise NVML. Throws an Error whose message says why (library missing, init failed),
 * which `verde detect` prints as the reason NVML is not used.
 */
export async function loadNvml(libPath = NVML_LIBRARY): Promise<NvmlBinding> {
  const koffi = (await import('koffi')).default;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(libPath);
  } catch (err) {
    throw new Error(`${libPath} not loadable (${(err as Error).message.split('\n')[0]}): no NVIDIA driver here`);
  }
  // koffi type names are process-wide and may be declared only once, however often NVML is loaded.
  deviceTypeDeclared ||= (koffi.pointer('nvmlDevice_t', koffi.opaque()), true);
  const init = lib.func('int nvmlInit_v2()');
  const shutdown = lib.func('int nvmlShutdown()');
  const getCount = lib.func('int nvmlDeviceGetCount_v2(_Out_ unsigned int *count)');
  const getHandle = lib.func('int nvmlDeviceGetHandleByIndex_v2(unsigned int index, _Out_ nvmlDevice_t *device)');
  const getName = lib.func('int nvmlDeviceGetName(nvmlDevice_t device, _Out_ uint8_t *name, unsigned int length)');
  const getUuid = lib.func('int nvmlDeviceGetUUID(nvmlDevice_t device, _Out_ uint8_t *uuid, unsigned int length)');
  const getEnergy = lib.func('int nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, _Out_ uint64_t *energy)');
  const getPower = lib.func('int nvmlDeviceGetPowerUsage(nvmlDevice_t device, _Out_ unsigned int *power)');

  const rc = init() as number;
  if (rc !== NVML_SUCCESS) throw new Error(`nvmlInit_v2 returned ${rc} (driver not running or no permission)`);
  const count = [0];
  if ((getCount(count) as number) !== NVML_SUCCESS) throw new Error('nvmlDeviceGetCount_v2 failed');
  const handles: unknown[] = [];
  const infos: GpuIdentity[] = [];
  const text = (fn: (h: unknown, b: Buffer, n: number) => number, h: unknown): string => {
    const buf = Buffer.alloc(96);
    return fn(h, buf, buf.length) === NVML_SUCCESS ? buf.toString('utf8', 0, Math.max(0, buf.indexOf(0))) : '';
  };
  for (let i = 0; i < count[0]; i++) {
    const h = [null as unknown];
    if ((getHandle(i, h) as number) !== NVML_SUCCESS) continue;
    handles[i] = h[0];
    infos.push({ index: i, name: text(getName as never, h[0]), uuid: text(getUuid as never, h[0]) });
  }
  return {
    devices: () => infos,
    totalEnergyMj(index) {
      const out = [0 as number | bigint];
      return (getEnergy(handles[index], out) as number) === NVML_SUCCESS ? Number(out[0]) : undefined;
    },
    powerMw(index) {
      const out = [0];
      return (getPower(handles[index], out) as number) === NVML_SUCCESS ? Number(out[0]) : undefined;
    },
    shutdown() {
      shutdown();
    },
  };
}
