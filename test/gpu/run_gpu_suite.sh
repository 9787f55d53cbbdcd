#!/usr/bin/env bash
# The GPU suite on a machine that has a GPU but no MLIR: builds the runtime alone, then runs the
# numerics of every op on GPU artifacts compiled elsewhere with
#   python3 test/numerics/numerics.py --build build --target cuda --compile-to DIR
#
#   test/gpu/run_gpu_suite.sh ARTIFACT_DIR [CASES_PER_FAMILY] [-- extra numerics.py arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
artifacts=$1
cases=${2:-3}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
build=${SSM_RUNTIME_BUILD:-/tmp/ssm-runtime-build}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,memory.total \
  --format=csv,noheader || true
cmake -S "$root/runtime" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSSM_RUNTIME_BUILD_TESTS=OFF >/dev/null
ninja -C "$build" >/dev/null
python3 "$root/test/numerics/numerics.py" --tools "$build/bin" --target cuda \
  --artifacts "$artifacts" --cases "$cases" "$@"
