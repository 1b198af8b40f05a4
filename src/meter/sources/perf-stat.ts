/**
 * Reads `perf stat -e power/energy-pkg/ -a` output: the independent RAPL reader that
 * scripts/device/rapl-meter.sh checks `verde measure` against. perf prints the package energy in
 * Joules (the kernel's power PMU exports the unit and scale), either as text
 *     "            12.34 Joules power/energy-pkg/"
 * or, with -x, as CSV "12.34,Joules,power/energy-pkg/,<run time>,<percent>,,". Lines for other
 * events and the elapsed time are read too; "<not supported>"/"<not counted>" and perf's own
 * errors (no power PMU: "Cannot find PMU `power'", permission) are reported as reasons.
 */
export interface PerfEnergy {
  /** Package energy in joules (all packages: -a counts the whole machine). */
  joules?: number;
  /** "seconds time elapsed", when perf printed it. */
  elapsedS?: number;
  /** Why no figure could be read. */
  error?: string;
}

const EVENT = 'power/energy-pkg/';

export function parsePerfStat(text: string): PerfEnergy {
  const out: PerfEnergy = {};
  let joules = 0;
  let seen = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const elapsed = /^([\d.]+)\s+seconds time elapsed/.exec(line);
    if (elapsed) out.elapsedS = Number(elapsed[1]);
    const csv = line.split(',');
    if (csv.length >= 3 && csv[2] === EVENT) {
      if (/^<not (supported|counted)>$/.test(csv[0]!)) return { ...out, error: `perf: ${EVENT} ${csv[0]}` };
      joules += unitScale(csv[1]!) * Number(csv[0]!.replace(/,/g, ''));
      seen = true;
      continue;
    }
    const text = /^(<not (?:supported|counted)>|[\d,.]+)\s+(\S*Joules)\s+power\/energy-pkg\//.exec(line);
    if (text) {
      if (text[1]!.startsWith('<')) return { ...out, error: `perf: ${EVENT} ${text[1]}` };
      joules += unitScale(text[2]!) * Number(text[1]!.replace(/,/g, ''));
      seen = true;
    }
  }
  if (seen) return { ...out, joules };
  for (const reason of [/Cannot find PMU[^\n]*/, /Permission denied[^\n]*|perf_event_paranoid[^\n]*/, /not supported[^\n]*/, /event syntax error[^\n]*/]) {
    const why = reason.exec(text);
    if (why) return { ...out, error: `perf: ${why[0].trim()}` };
  }
  return { ...out, error: `perf printed no ${EVENT} line` };
}

function unitScale(unit: string): number {
  if (unit === 'Joules') return 1;
  if (unit === 'mJoules') return 1e-3;
  if (unit === 'uJoules') return 1e-6;
  return NaN;
}
