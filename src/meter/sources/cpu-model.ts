/**
 * CPU model and TDP, the inputs of the power model when no energy counter is readable.
 *
 * The table holds common server (cloud) and desktop CPUs with the vendor's TDP per package and its
 * hardware-thread count. verde works per thread — watts per thread = TDP / threads per package — and
 * scales by the threads this machine actually sees, so a 2-vCPU VM on a 64-thread host is not billed
 * the whole host's TDP (CodeCarbon bills the full TDP). When the model is not in the table verde uses
 * CodeCarbon's fallback of 4 W per thread; with no model at all, 85 W. `--tdp W` overrides everything.
 */
import { cpus } from 'node:os';

interface TdpEntry {
  match: RegExp;
  tdpW: number;
  threadsPerPackage: number;
}

/** Vendor TDPs (ark.intel.com, amd.com product pages). Keep entries specific: first match wins. */
const TDP_TABLE: TdpEntry[] = [
  // Intel Xeon Scalable, as seen on AWS / Azure / GCP instances
  { match: /Platinum 8488C/i, tdpW: 350, threadsPerPackage: 96 },
  { match: /Platinum 8480[C+]?/i, tdpW: 350, threadsPerPackage: 112 },
  { match: /Platinum 8375C/i, tdpW: 300, threadsPerPackage: 64 },
  { match: /Platinum 8370C/i, tdpW: 300, threadsPerPackage: 64 },
  { match: /Platinum 8272CL/i, tdpW: 195, threadsPerPackage: 52 },
  { match: /Platinum 8259CL/i, tdpW: 210, threadsPerPackage: 48 },
  { match: /Platinum 8175M/i, tdpW: 240, threadsPerPackage: 48 },
  { match: /Platinum 8168/i, tdpW: 205, threadsPerPackage: 48 },
  { match: /Gold 6248/i, tdpW: 150, threadsPerPackage: 40 },
  { match: /Gold 6230/i, tdpW: 125, threadsPerPackage: 40 },
  { match: /Gold 6148/i, tdpW: 150, threadsPerPackage: 40 },
  { match: /Gold 6138/i, tdpW: 125, threadsPerPackage: 40 },
  { match: /Gold 5218/i, tdpW: 125, threadsPerPackage: 32 },
  { match: /Silver 4214/i, tdpW: 85, threadsPerPackage: 24 },
  { match: /E5-2686 v4/i, tdpW: 145, threadsPerPackage: 36 },
  { match: /E5-2673 v4/i, tdpW: 135, threadsPerPackage: 40 },
  { match: /E5-2690 v4/i, tdpW: 135, threadsPerPackage: 28 },
  { match: /E5-2680 v4/i, tdpW: 120, threadsPerPackage: 28 },
  // AMD EPYC
  { match: /EPYC 9654/i, tdpW: 360, threadsPerPackage: 192 },
  { match: /EPYC 7763/i, tdpW: 280, threadsPerPackage: 128 },
  { match: /EPYC 7R13/i, tdpW: 280, threadsPerPackage: 96 },
  { match: /EPYC 7742/i, tdpW: 225, threadsPerPackage: 128 },
  { match: /EPYC 7B12/i, tdpW: 240, threadsPerPackage: 128 },
  { match: /EPYC 7V12/i, tdpW: 240, threadsPerPackage: 128 },
  { match: /EPYC 7502/i, tdpW: 180, threadsPerPackage: 64 },
  // Desktop and laptop
  { match: /i9-13900K/i, tdpW: 125, threadsPerPackage: 32 },
  { match: /i7-12700K/i, tdpW: 125, threadsPerPackage: 20 },
  { match: /i7-10750H/i, tdpW: 45, threadsPerPackage: 12 },
  { match: /i7-8700/i, tdpW: 65, threadsPerPackage: 12 },
  { match: /i5-8250U/i, tdpW: 15, threadsPerPackage: 8 },
  { match: /Ryzen 9 7950X/i, tdpW: 170, threadsPerPackage: 32 },
  { match: /Ryzen 9 5950X/i, tdpW: 105, threadsPerPackage: 32 },
  { match: /Ryzen 7 5800X/i, tdpW: 105, threadsPerPackage: 16 },
];

/** CodeCarbon's fallbacks. */
export const UNKNOWN_MODEL_W_PER_THREAD = 4;
export const UNDETECTABLE_TDP_W = 85;

export type TdpSource = 'override' | 'table' | 'fallback:per-thread' | 'fallback:default';

export interface CpuPowerSpec {
  model: string;
  /** Hardware threads visible to this machine/VM/container. */
  threads: number;
  /** Power of all visible threads at full load, in watts. */
  tdpW: number;
  /** tdpW / threads: the power model's watts per busy thread. */
  wattsPerThread: number;
  source: TdpSource;
  /** Human-readable: how tdpW was obtained. */
  detail: string;
}

export function lookupTdp(model: string): TdpEntry | undefined {
  return TDP_TABLE.find((e) => e.match.test(model));
}

export function cpuPowerSpec(opts: { tdpW?: number; model?: string; threads?: number } = {}): CpuPowerSpec {
  const list = cpus();
  const model = (opts.model ?? list[0]?.model ?? '').trim();
  const threads = Math.max(1, opts.threads ?? list.length);
  const make = (tdpW: number, source: TdpSource, detail: string): CpuPowerSpec => ({
    model: model || 'unknown',
    threads,
    tdpW,
    wattsPerThread: tdpW / threads,
    source,
    detail,
  });
  if (opts.tdpW !== undefined) {
    return make(opts.tdpW, 'override', `TDP ${opts.tdpW} W for ${threads} threads set by --tdp`);
  }
  const entry = model ? lookupTdp(model) : undefined;
  if (entry) {
    const perThread = entry.tdpW / entry.threadsPerPackage;
    return make(
      perThread * threads,
      'table',
      `${model}: ${entry.tdpW} W TDP / ${entry.threadsPerPackage} threads x ${threads} visible = ${(perThread * threads).toFixed(1)} W`,
    );
  }
  if (model) {
    return make(
      UNKNOWN_MODEL_W_PER_THREAD * threads,
      'fallback:per-thread',
      `"${model}" not in the TDP table: ${UNKNOWN_MODEL_W_PER_THREAD} W per thread x ${threads} threads (CodeCarbon's fallback); set --tdp to override`,
    );
  }
  return make(UNDETECTABLE_TDP_W, 'fallback:default', `CPU model undetectable: ${UNDETECTABLE_TDP_W} W (CodeCarbon's default); set --tdp to override`);
}
