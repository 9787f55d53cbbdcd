#!/usr/bin/env bash
# GPU benchmark of the causal conv (Mamba-2.8B: D = 5120, width 4, bias + SiLU) and the gated
# RMS norm (Mamba2-2.7B: d_inner = 5120, gate first) in bf16 at B in {1, 8} x L in {2048, 8192}:
# device time (L2 flushed before), median of RUNS runs, and the achieved bandwidth (the bytes
# the op must move / time) against the copy ceiling (PERF.md: 2994 GB/s on the H100). Each
# output is checked against the NumPy reference.
#
#   bench/gpu/run_conv_norm.sh SSM_RUN CONV_ARTIFACT NORM_ARTIFACT [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$1
declare -A artifact=([conv]=$2 [norm]=$3)
out=${4:-$(mktemp -d /tmp/ssm-bench-conv-norm.XXXXXX)}
runs=${RUNS:-20}
ceiling=${COPY_CEILING_GBS:-2994}
data=(python3 "$here/conv_norm.py")
failed=0
printf "%-5s %-3s %-6s %10s %10s %10s\n" op B L "ours ms" "GB/s" "of copy"
for op in conv norm; do
  for shape in "1 2048" "1 8192" "8 2048" "8 8192"; do
    read -r batch length <<<"$shape"
    dir="$out/$op-b$batch-l$length"
    mkdir -p "$dir/out"
    "${data[@]}" gen "$op" "$dir" --batch "$batch" --length "$length"
    log=$("$run" "${artifact[$op]}" --inputs "$dir" --outputs "$dir/out" --bench "$runs")
    ms=$(sed -n 's/^bench: on the GPU.* median \([0-9.]*\) ms.*/\1/p' <<<"$log")
    [ -n "$ms" ] || ms=$(sed -n 's/^bench: .* median \([0-9.]*\) ms.*/\1/p' <<<"$log")
    "${data[@]}" check "$dir/out" "$dir/ref" >"$dir/check.txt" || failed=1
    bytes=$("${data[@]}" bytes "$op" --batch "$batch" --length "$length")
    python3 - "$op" "$batch" "$length" "$ms" "$bytes" "$ceiling" "$(cat "$dir/check.txt")" <<'PY'
import sys
op, b, l, ms, nbytes, ceiling, check = sys.argv[1:]
gbs = int(nbytes) / (float(ms) * 1e-3) / 1e9
print(f"{op:<5} {b:<3} {l:<6} {float(ms):10.3f} {gbs:10.1f} {gbs / float(ceiling):9.0%}  {check}")
PY
  done
done
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader 2>/dev/null ||
  true
exit "$failed"
