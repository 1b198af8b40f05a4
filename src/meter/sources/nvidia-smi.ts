/**
 * nvidia-smi as a fallback when NVML cannot be loaded through FFI: power.draw (W) per GPU, sampled
 * and integrated. One process spawn per sample, so it is only used when NVML is not available.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A PATH lookup (no spawn) so a machine without nvidia-smi pays nothing for the fallback. */
function onPath(executable: string, env: NodeJS.ProcessEnv): boolean {
  const candidates = executable.includes('/') ? [executable] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, executable));
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
import type { GpuIdentity } from './cuda-visible.js';

export interface SmiReading extends GpuIdentity {
  /** Watts, or undefined when the GPU reports "[N/A]" / "[Not Supported]". */
  powerW: number | undefined;
}

export const SMI_QUERY = ['--query-gpu=index,uuid,name,power.draw', '--format=csv,noheader,nounits'];

export function parseSmiCsv(stdout: string): SmiReading[] {
  const out: SmiReading[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const [index, uuid, name, power] = line.split(',').map((s) => s.trim());
    const p = Number(power);
    out.push({ index: Number(index), uuid: uuid ?? '', name: name ?? '', powerW: power !== '' && Number.isFinite(p) ? p : undefined });
  }
  return out;
}

/** Run nvidia-smi once; rejects with a one-line reason (not on PATH, driver error, timeout). */
export function querySmi(executable = 'nvidia-smi', env: NodeJS.ProcessEnv = process.env): Promise<SmiReading[]> {
  if (!onPath(executable, env)) return Promise.reject(new Error(`${executable} not found on PATH`));
  return new Promise((resolve, reject) => {
    execFile(executable, SMI_QUERY, { timeout: 5000, env }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new Error(code === 'ENOENT' ? `${executable} not found on PATH` : `${executable} failed: ${(stderr || err.message).split('\n')[0]}`));
        return;
      }
      resolve(parseSmiCsv(stdout));
    });
  });
}
