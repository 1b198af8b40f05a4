#!/usr/bin/env bash
# Checks verde's RAPL reader against an independent one on the same run: `perf stat -e
# power/energy-pkg/ -a` (Debian's linux-perf; the kernel's power PMU, not the powercap files verde
# reads) wrapped around `verde measure --scope machine` (package zones summed: the same quantity),
# around an idle child and a CPU load. Prints verde's CPU joules, perf's, and their ratio per run.
# Where the machine exposes no RAPL (a VM such as this project's KVM guest) it says so and exits 0:
# a skip, not a pass. For NVIDIA GPUs the NVML counterpart is scripts/device/gpu-meter.sh.
#
#   NODE=node OUT=/tmp/rapl-meter bash scripts/device/rapl-meter.sh
#
# Needs dist/ built (npx tsc -p .), perf, and permission for system-wide power events (root, or
# kernel.perf_event_paranoid <= 0) and to read energy_uj (root, or chmod a+r: see docs/meter.md).
set -u
NODE=${NODE:-node}
OUT=${OUT:-/tmp/rapl-meter}
SECONDS_LOAD=${SECONDS_LOAD:-10}
ROOT=${POWERCAP_ROOT:-/sys/class/powercap}

skip() { echo "SKIP: $*"; echo "rapl-meter: no comparison made on this machine (exit 0 is a skip, not a pass)"; exit 0; }

[ -d "$ROOT" ] || skip "no $ROOT: this kernel exposes no RAPL (a virtual machine: hypervisors such as KVM do not pass RAPL to guests)"
pkg=$(grep -l '^package-' "$ROOT"/intel-rapl:*/name 2>/dev/null | head -1)
[ -n "$pkg" ] || skip "no RAPL package zone under $ROOT"
[ -r "$(dirname "$pkg")/energy_uj" ] || skip "$(dirname "$pkg")/energy_uj is not readable (root only since Linux 5.10): run as root or chmod a+r it"
command -v perf >/dev/null || skip "perf not installed (apt-get install linux-perf)"

rm -rf "$OUT" && mkdir -p "$OUT"
cli() { "$NODE" dist/src/cli/main.js "$@"; }
echo "== verde detect"; cli detect --scope machine

LOAD="const t=Date.now();let x=0;while(Date.now()-t<${SECONDS_LOAD}*1000)x+=Math.sqrt(x+1);console.log(x>0)"
status=0
for run in idle:"sleep 5" load:"$NODE -e $LOAD"; do
  name=${run%%:*}; cmd=${run#*:}
  echo "== $name: perf stat -e power/energy-pkg/ -a -- verde measure --scope machine -- $cmd"
  perf stat -e power/energy-pkg/ -a -x, -o "$OUT/$name-perf.csv" -- \
    "$NODE" dist/src/cli/main.js measure --scope machine --interval 500ms --out "$OUT/$name" -- $cmd >"$OUT/$name.log" 2>&1
  "$NODE" --input-type=module -e "
    import { readFileSync, readdirSync } from 'node:fs';
    import { parsePerfStat } from './dist/src/meter/sources/perf-stat.js';
    const perf = parsePerfStat(readFileSync('$OUT/$name-perf.csv', 'utf8'));
    if (perf.joules === undefined) { console.log('$name: perf gave no figure: ' + perf.error); process.exit(3); }
    const dir = '$OUT/$name';
    const r = JSON.parse(readFileSync(dir + '/' + readdirSync(dir).find((f) => f.endsWith('.json')), 'utf8'));
    const cpu = r.components.find((c) => c.component === 'cpu');
    if (cpu.method !== 'measured:rapl') { console.log('$name: verde did not use RAPL (' + cpu.method + '): ' + cpu.detail); process.exit(3); }
    // perf's window is a little longer (verde's start-up is inside it): expect a ratio just under 1.
    console.log('$name: verde measure ' + cpu.energyJ.toFixed(1) + ' J (' + cpu.methodLabel + ', ' + r.durationS.toFixed(1) + ' s) vs perf energy-pkg ' + perf.joules.toFixed(1) + ' J: ratio ' + (cpu.energyJ / perf.joules).toFixed(3));
  " || status=1
done
exit $status
