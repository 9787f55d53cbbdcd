#!/usr/bin/env bash
# CPU benchmark: `ssm-run --bench` on the compiled ssm.selective_scan against the same
# recurrence written plainly in C++ (selective_scan_plain.cpp, clang++ -O3).
#
#   bench/cpu/run_selective_scan.sh [BUILD_DIR] [OUT_DIR]
#
# BUILD_DIR (default /work/main/build) holds bin/ssm-compile and bin/ssm-run; OUT_DIR (default
# a fresh temporary directory) receives the inputs, binaries and selective_scan.json.
# Environment:
#   RUNS    timed runs per measurement (default 20), after one warm-up run
#   ROUNDS  measurements per row (default 1); rows are measured in turn, round after round, and
#           the reported time is the median of the rounds' medians (use 3+ on a busy machine)
#   SHAPE   "B D N L" (default "1 1536 16 2048")
#   BF16    1 (default) to also time our artifact on bf16 inputs, 0 not to
#   CXX     the C++ compiler for the plain version (default clang++-22)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-/work/main/build}"
out="${2:-$(mktemp -d /tmp/ssm-bench-selective-scan.XXXXXX)}"
runs="${RUNS:-20}"
rounds="${ROUNDS:-1}"
bf16="${BF16:-1}"
cxx="${CXX:-clang++-22}"
read -r -a shape <<<"${SHAPE:-1 1536 16 2048}"
compile="$build/bin/ssm-compile"
run="$build/bin/ssm-run"
data=(python3 "$here/selective_scan_data.py")

for tool in "$compile" "$run"; do
  [[ -x "$tool" ]] || { echo "error: $tool not found (build dir: $build)" >&2; exit 1; }
done
mkdir -p "$out"
load_before="$(cut -d' ' -f1 /proc/loadavg)"

# The median of a `bench: ... median X ms ...` line, as ssm-run and the plain binary print it.
median() {
  local m
  m="$(sed -n 's/^bench: .* median \([0-9.]*\) ms.*/\1/p' <<<"$1")"
  [[ -n "$m" ]] || { echo "error: no 'bench:' line in: $1" >&2; exit 1; }
  echo "$m"
}

echo "== build (output in $out)"
"$compile" "$here/selective_scan.mlir" -o "$out/ours_f32.ssmx"
"$compile" "$here/selective_scan_bf16.mlir" -o "$out/ours_bf16.ssmx"
"$run" "$out/ours_f32.ssmx" --describe | head -n 1
flags=(-std=c++20 -O3 -pthread)
"$cxx" "${flags[@]}" -march=x86-64-v3 "$here/selective_scan_plain.cpp" -o "$out/plain_v3"
"$cxx" "${flags[@]}" -march=native "$here/selective_scan_plain.cpp" -o "$out/plain_native"

echo "== correctness on a small shape (B=2, D=6, N=5, L=37, G=2) against the float64 reference"
"${data[@]}" gen "$out/small" --shape 2 6 5 37 --groups 2 --seed 1
mkdir -p "$out/small/ours"
"$run" "$out/ours_f32.ssmx" --inputs "$out/small" --outputs "$out/small/ours"
echo -n "ours:  " && "${data[@]}" check "$out/small/ours" "$out/small/ref"
echo -n "plain: " && "$out/plain_v3" "$out/small" --ref "$out/small/ref" --runs 1 | grep '^check'

echo "== inputs B=${shape[0]} D=${shape[1]} N=${shape[2]} L=${shape[3]} and float64 reference"
dtypes=(f32)
[[ "$bf16" == 1 ]] && dtypes+=(bf16)
for dtype in "${dtypes[@]}"; do
  "${data[@]}" gen "$out/$dtype" --shape "${shape[@]}" --dtype "$dtype" --seed 0
  mkdir -p "$out/$dtype/ours"
done

# Row name -> comma-separated medians, one per round.
declare -A times
names=()
record() {
  [[ -v "times[$1]" ]] || { names+=("$1"); times[$1]=""; }
  times[$1]+="${times[$1]:+,}$2"
}

for ((round = 1; round <= rounds; round++)); do
  for dtype in "${dtypes[@]}"; do
    echo "== [round $round/$rounds] ours $dtype: ssm-run --bench $runs"
    log="$("$run" "$out/ours_$dtype.ssmx" --inputs "$out/$dtype" --outputs "$out/$dtype/ours" \
      --bench "$runs")"
    echo "$log"
    "${data[@]}" check "$out/$dtype/ours" "$out/$dtype/ref" --dtype "$dtype"
    record "ours $dtype" "$(median "$log")"
  done
  for march in x86-64-v3 native; do
    echo "== [round $round/$rounds] plain C++ f32, -O3 -march=$march"
    binary="$out/plain_$([[ $march == native ]] && echo native || echo v3)"
    log="$("$binary" "$out/f32" --ref "$out/f32/ref" --runs "$runs")"
    echo "$log"
    record "plain f32 -march=$march" "$(median "$log")"
  done
done

rows=()
for name in "${names[@]}"; do
  rows+=(--row "$name=${times[$name]}")
done
"${data[@]}" report --shape "${shape[@]}" "${rows[@]}" --ours "ours f32" --runs "$runs" \
  --load-before "$load_before" --json "$out/selective_scan.json"
