#!/usr/bin/env bash
# Configures and builds the project into ${SSM_BUILD_DIR:-build}. Arguments are extra CMake
# options (e.g. -DSSM_SANITIZERS=address,undefined); without any, a configured build folder is
# not configured again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSM_BUILD_DIR:-$root/build}

export CCACHE_BASEDIR=$root
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
                                          -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/build.ninja" ] || (($#)); then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DLLVM_USE_LINKER=lld \
    "${launcher[@]}" "$@"
fi
start=$(date +%s)
ninja -C "$build" ${SSM_JOBS:+-j "$SSM_JOBS"}
echo "build: done in $(($(date +%s) - start)) s"
