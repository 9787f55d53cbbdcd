#!/usr/bin/env bash
# GPU benchmark of one decode step of a Mamba-1 layer's recurrent part (conv state update +
# selective-scan step + gating, D=5120, N=16, bf16 activations, f32 state) at B in {1, 16, 64}:
# device time (first kernel start to last kernel end, L2 flushed before), median of RUNS runs;
# effective bandwidth = the bytes the step must move (states read and written, activations,
# weights) / time. Outputs are checked against the NumPy reference at every batch. Peer:
# mamba_ssm's Triton selective_state_update on the same shape (PERF.md; the SSM state update
# only, without the conv).
#
#   bench/gpu/run_decode_step.sh SSM_RUN ARTIFACT [OUT_DIR]
#
# ARTIFACT: bench/gpu/decode_step_bf16.mlir compiled with ssm-compile --target=cuda (or
# --target=cpu, to try the script on a machine without a GPU: then the wall time is reported).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$1
artifact=$2
out=${3:-$(mktemp -d /tmp/ssm-bench-decode.XXXXXX)}
runs=${RUNS:-50}
data=(python3 "$here/decode_step.py")
failed=0
# B peer_us
shapes=("1 5.1" "16 0" "64 16.3")
printf "%-4s %10s %12s %10s %8s\n" B "ours us" "eff. GB/s" "peer us" speedup
for shape in "${shapes[@]}"; do
  read -r batch peer <<<"$shape"
  dir="$out/b$batch"
  mkdir -p "$dir/out"
  "${data[@]}" gen "$dir" --batch "$batch" --reference
  log=$("$run" "$artifact" --inputs "$dir" --outputs "$dir/out" --bench "$runs")
  ms=$(sed -n 's/^bench: on the GPU.* median \([0-9.]*\) ms.*/\1/p' <<<"$log")
  [ -n "$ms" ] || ms=$(sed -n 's/^bench: .* median \([0-9.]*\) ms.*/\1/p' <<<"$log")
  "${data[@]}" check "$dir/out" "$dir/ref" || failed=1
  bytes=$("${data[@]}" bytes --batch "$batch")
  python3 - "$batch" "$ms" "$bytes" "$peer" <<'PY'
import sys
b, ms, nbytes, peer = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
us = ms * 1e3
speed = f"{peer / us:7.2f}x" if peer else "       -"
print(f"{b:<4d} {us:10.2f} {nbytes / (ms * 1e-3) / 1e9:12.1f} "
      f"{(f'{peer:10.1f}' if peer else '         -')} {speed}")
PY
done
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader 2>/dev/null ||
  true
exit "$failed"
