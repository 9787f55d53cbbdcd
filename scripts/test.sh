#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every CPU test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSM_BUILD_DIR:-$root/build}

"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -LE gpu
