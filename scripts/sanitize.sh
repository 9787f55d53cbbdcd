#!/usr/bin/env bash
# The sanitizer stages of scripts/test.sh (docs/Reliability.md), after the normal build:
#  1. ASan + UBSan (LeakSanitizer on) build of the whole project into ${SSM_ASAN_BUILD_DIR:-
#     build-asan}, with the libFuzzer targets; there the whole CPU suite runs, every fuzz target
#     for ${SSM_FUZZ_SECONDS:-60} s on its seeds, and every regression input.
#  2. TSan build of the runtime alone into ${SSM_TSAN_BUILD_DIR:-build-tsan}: its unit tests,
#     which run sessions of one model from several threads, on artifacts that the normal
#     build's ssm-compile writes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSM_BUILD_DIR:-$root/build}
asan=${SSM_ASAN_BUILD_DIR:-$root/build-asan}
tsan=${SSM_TSAN_BUILD_DIR:-$root/build-tsan}
seconds=${SSM_FUZZ_SECONDS:-60}

# Any report fails the test that triggered it, and aborts: lit's `not` takes a crash for a
# failure, not for the error a test expects. Leaks are reported at exit.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
export TSAN_OPTIONS=halt_on_error=1:abort_on_error=1:second_deadlock_stack=1

stage() { echo "== sanitize: $* ($(date +%T))"; }

stage "ASan+UBSan build"
SSM_BUILD_DIR=$asan "$root/scripts/build.sh" -DSSM_SANITIZERS=address,undefined \
  -DSSM_ENABLE_FUZZERS=ON -DSSM_FUZZ_SECONDS="$seconds"
stage "ASan+UBSan: the CPU tests, the fuzz targets and their regression inputs"
start=$(date +%s)
rm -f "$asan/fuzz-summary.txt"
(cd "$asan" && ctest --output-on-failure -LE gpu)
echo "sanitize: ASan+UBSan tests done in $(($(date +%s) - start)) s"
cat "$asan/fuzz-summary.txt"

stage "TSan build of the runtime"
export CCACHE_BASEDIR=$root
cmake -G Ninja -S "$root/runtime" -B "$tsan" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DSSM_SANITIZERS=thread -DSSM_COMPILE="$build/bin/ssm-compile" >/dev/null
ninja -C "$tsan" ${SSM_JOBS:+-j "$SSM_JOBS"}
stage "TSan: the runtime's unit tests"
(cd "$tsan" && ctest --output-on-failure)
stage "done"
