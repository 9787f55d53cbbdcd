#!/usr/bin/env bash
# GPU benchmark of ssm.selective_scan at the Mamba-2.8B layer shape (D=5120, N=16, bf16):
# kernel time on the device (CUDA events around the model's kernels, copies excluded), median
# of RUNS runs after a warm-up, against mamba_ssm's selective_scan_fn as measured on the same
# kind of GPU (PERF.md; mamba_ssm is not installed on the GPU machine).
#
#   bench/gpu/run_selective_scan.sh SSM_RUN ARTIFACT... [-- OUT_DIR]
#
# Each ARTIFACT is bench/gpu/selective_scan_bf16.mlir compiled with ssm-compile --target=cuda
# (several: tilings side by side, e.g. --scan-states-per-lane=1,2,4). Every artifact's outputs
# are checked against the NumPy reference at the first shape.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$1
shift
artifacts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  artifacts+=("$1")
  shift
done
[ "${1:-}" = "--" ] && shift
out=${1:-$(mktemp -d /tmp/ssm-bench-gpu.XXXXXX)}
runs=${RUNS:-20}
data=(python3 "$here/../cpu/selective_scan_data.py")
mkdir -p "$out"
json="$out/selective_scan_gpu.json"
echo "[" >"$json"

# B L peer_ms (0: no peer figure)
shapes=("1 2048 0.197" "1 8192 0" "8 2048 0" "8 8192 6.63")
printf "%-24s %-4s %-6s %10s %9s %12s %10s %8s\n" artifact B L "ours ms" Mtok/s "T upd/s" \
  "peer ms" speedup
first=1
failed=0
for shape in "${shapes[@]}"; do
  read -r batch length peer <<<"$shape"
  dir="$out/b${batch}_l${length}"
  mkdir -p "$dir"
  reference=()
  [ "$first" = 1 ] || reference=(--no-reference)
  "${data[@]}" gen "$dir" --shape "$batch" 5120 16 "$length" --dtype bf16 "${reference[@]}" \
    >/dev/null
  for artifact in "${artifacts[@]}"; do
    name=$(basename "$artifact" .ssmx)
    rm -rf "$dir/out"
    mkdir -p "$dir/out"
    log=$("$run" "$artifact" --inputs "$dir" --outputs "$dir/out" --bench "$runs")
    ms=$(sed -n 's/^bench: on the GPU.* median \([0-9.]*\) ms.*/\1/p' <<<"$log")
    if [ "$first" = 1 ]; then
      echo -n "$name: "
      "${data[@]}" check "$dir/out" "$dir/ref" --dtype bf16 || failed=1
    fi
    python3 - "$name" "$batch" "$length" "$ms" "$peer" "$json" <<'PY'
import json, sys
name = sys.argv[1]
b, l, ms, peer = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
tok = b * l / (ms * 1e-3)
upd = b * 5120 * 16 * l / (ms * 1e-3)
speed = f"{peer / ms:8.2f}x" if peer else "       -"
print(f"{name:<24s} {b:<4d} {l:<6d} {ms:10.4f} {tok / 1e6:9.2f} {upd / 1e12:12.3f} "
      f"{(f'{peer:10.3f}' if peer else '         -')} {speed}")
with open(sys.argv[6], "a") as f:
    f.write(json.dumps({"artifact": name, "batch": b, "length": l, "ms": ms,
                        "peer_ms": peer or None}) + ",\n")
PY
  done
  first=0
  rm -rf "$dir"
done
echo "{}]" >>"$json"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
exit "$failed"
