/**
 * Which int8 weight range is safe on this CPU. x86 CPUs without VNNI run ONNX Runtime's u8 x s8
 * kernels through VPMADDUBSW, whose 16-bit pair sums saturate with full-range 8-bit weights
 * (design/engine.md measured 18 % output error on such an AMD); 7-bit weights ("reduce range")
 * avoid it. AVX512-VNNI / AVX-VNNI (VPDPBUSD) accumulate in 32 bits, so 8-bit is safe there.
 */
import { readFileSync } from 'node:fs';

export interface Int8Advice {
  reduceRange: boolean;
  /** Why, for the report: e.g. "x86 with avx512_vnni: 8-bit weights". */
  reason: string;
}

export function cpuFlags(cpuinfo?: string): Set<string> {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const line = text.split('\n').find((l) => /^(flags|Features)\s*:/.test(l)) ?? '';
  return new Set(line.replace(/^[^:]*:/, '').trim().split(/\s+/).filter(Boolean));
}

/** Decide 7- vs 8-bit weights from the CPU flags (`cpuinfo` text for tests; default /proc/cpuinfo). */
export function int8Advice(cpuinfo?: string, arch: string = process.arch): Int8Advice {
  if (arch !== 'x64' && arch !== 'ia32') return { reduceRange: false, reason: `${arch}: 8-bit weights (no VPMADDUBSW saturation)` };
  const flags = cpuFlags(cpuinfo);
  const vnni = ['avx512_vnni', 'avx_vnni'].filter((f) => flags.has(f));
  if (vnni.length) return { reduceRange: false, reason: `x86 with ${vnni.join('+')}: 8-bit weights` };
  if (flags.size === 0) return { reduceRange: true, reason: 'x86, CPU flags unreadable: 7-bit weights to be safe' };
  return { reduceRange: true, reason: 'x86 without VNNI: 7-bit weights (8-bit saturates VPMADDUBSW)' };
}
