/**
 * How benchmarks start their Python peer (Debian's /usr/bin/python3 with PyTorch / XGBoost) so the
 * comparison is fair. Debian's OpenBLAS 0.3.21 does not recognise recent Intel server CPUs
 * (Sapphire Rapids and later) and falls back to its generic "Prescott" kernels: PyTorch's fp32 GEMM
 * then runs at ~12 GFLOP/s per thread instead of ~140 (measured here). Unless the user already set
 * OPENBLAS_CORETYPE, we pick the best kernel family the CPU flags allow, and say so.
 */
import { readFileSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

export function openblasCoreType(cpuinfo = safeCpuinfo()): string | undefined {
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  if (flags.has('avx512f') && flags.has('avx512bw') && flags.has('avx512vl')) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined;
}

function safeCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** The environment for the Python peer; logs the OpenBLAS kernel choice on stderr. */
export function pythonPeerEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (!env.OPENBLAS_CORETYPE) {
    const core = openblasCoreType();
    if (core) {
      env.OPENBLAS_CORETYPE = core;
      process.stderr.write(`python peer: OPENBLAS_CORETYPE=${core} (Debian's OpenBLAS would otherwise fall back to generic kernels on this CPU)\n`);
    }
  }
  return env;
}
