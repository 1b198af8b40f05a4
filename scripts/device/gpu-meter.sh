#!/usr/bin/env bash
# Checks verde's NVML reader on a real NVIDIA GPU (the device machine of this workplace, or any
# Linux box with a driver and PyTorch+CUDA). It runs `verde detect`, then `verde measure` around an
# idle child and around a bf16 matrix-product load, and compares verde's GPU energy with NVML's own
# total-energy counter read independently through pynvml (nvidia-ml-py) before and after each run.
#
#   NODE=node OUT=/tmp/gpu-meter [COLLECT=DIR] bash scripts/device/gpu-meter.sh
#
# On this workplace's device machine (no node there), from the repository root here:
#   echo /.device/ >> .git/info/exclude; mkdir -p .device
#   xz -T2 -6 -c "$(command -v node)" > .device/node.xz
#   (cd node_modules && tar -cJf ../.device/nm.tar.xz commander cli-progress string-width strip-ansi \
#      ansi-regex emoji-regex is-fullwidth-code-point koffi @koromix)
# then run, carrying .device and dist:
#   python3 -c "import lzma,shutil; shutil.copyfileobj(lzma.open('.device/node.xz'), open('/tmp/node','wb'))"
#   chmod +x /tmp/node && tar -xJf .device/nm.tar.xz -C . --one-top-level=node_modules
#   D=$OUT; NODE=/tmp/node OUT=/tmp/gm COLLECT=$D bash scripts/device/gpu-meter.sh
# Needs dist/ built (npx tsc -p .) and node_modules with commander, cli-progress and koffi (with its
# native module, @koromix/koffi-linux-x64). On 2026-11-29 on an H200 (driver 580.159.04): NVML
# total-energy counter, load run 10722.9 J vs reference 10738.7 J (0.999); nvidia-smi fallback 0.996.
set -u
NODE=${NODE:-node}
OUT=${OUT:-/tmp/gpu-meter}
PY=${PY:-python3}
rm -rf "$OUT" && mkdir -p "$OUT"
cli() { "$NODE" dist/src/cli/main.js "$@"; }

nvidia-smi --query-gpu=name,driver_version,power.draw,power.limit --format=csv
echo "== verde detect"; cli detect

cat > /tmp/gpu-load.py <<'PY'
import sys, time, torch
seconds = float(sys.argv[1])
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16); b = torch.randn_like(a)
torch.cuda.synchronize(); t0 = time.time(); n = 0
while time.time() - t0 < seconds:
    for _ in range(50): c = a @ b
    torch.cuda.synchronize(); n += 50
dt = time.time() - t0
print(f"gpu-load: {n} products in {dt:.1f} s, {n * 2 * 8192**3 / dt / 1e12:.0f} TFLOP/s", flush=True)
PY

# Reference: NVML's counter (mJ since driver load) around the whole `verde measure` child.
cat > /tmp/nvml-ref.py <<'PY'
import json, subprocess, sys, time, pynvml
pynvml.nvmlInit(); h = pynvml.nvmlDeviceGetHandleByIndex(0)
e0 = pynvml.nvmlDeviceGetTotalEnergyConsumption(h); t0 = time.time()
rc = subprocess.call(sys.argv[2:])
e1 = pynvml.nvmlDeviceGetTotalEnergyConsumption(h); t1 = time.time()
json.dump({"referenceJ": (e1 - e0) / 1000, "wallS": t1 - t0, "rc": rc}, open(sys.argv[1], "w"))
print(f"reference (pynvml total energy around the whole verde run): {(e1 - e0) / 1000:.1f} J over {t1 - t0:.1f} s", flush=True)
PY

for run in idle:"sleep 8" load:"$PY /tmp/gpu-load.py 15"; do
  name=${run%%:*}; cmd=${run#*:}
  echo "== verde measure ($name): $cmd"
  $PY /tmp/nvml-ref.py "$OUT/$name-reference.json" "$NODE" dist/src/cli/main.js measure --interval 500ms --out "$OUT/$name" -- $cmd
done
# verde's GPU component vs the reference, per run.
for name in idle load; do
  "$NODE" -e '
    const fs = require("fs"); const [dir, ref] = process.argv.slice(1);
    const j = JSON.parse(fs.readFileSync(fs.readdirSync(dir).filter(f => f.endsWith(".json")).map(f => dir + "/" + f)[0]));
    const r = JSON.parse(fs.readFileSync(ref));
    const gpu = j.components.filter(c => c.component === "gpu");
    const gpuJ = gpu.reduce((s, c) => s + c.energyJ, 0);
    console.log(`${dir}: verde gpu ${gpuJ.toFixed(1)} J [${gpu.map(c => c.method).join(",")}] over ${j.durationS.toFixed(1)} s; reference ${r.referenceJ.toFixed(1)} J over ${r.wallS.toFixed(1)} s; ratio ${(gpuJ / r.referenceJ).toFixed(3)}`);
  ' "$OUT/$name" "$OUT/$name-reference.json"
done
# What comes back from a device run: the JSON reports, the CSVs and the references.
if [ -n "${COLLECT:-}" ]; then
  mkdir -p "$COLLECT"
  for name in idle load; do
    cp "$OUT/$name"/*.json "$COLLECT/$name-report.json"; cp "$OUT/$name/emissions.csv" "$COLLECT/$name-emissions.csv"
    cp "$OUT/$name-reference.json" "$COLLECT/"
  done
fi
