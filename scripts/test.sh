#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every CPU test; then the
# sanitizer stages (scripts/sanitize.sh): the same tests and the fuzz targets under ASan+UBSan,
# and the runtime's concurrency tests under TSan. SSM_SANITIZE=0 leaves those out.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSM_BUILD_DIR:-$root/build}

"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
start=$(date +%s)
(cd "$build" && ctest --output-on-failure -LE gpu)
echo "test: CPU tests done in $(($(date +%s) - start)) s"
if [ "${SSM_SANITIZE:-1}" != 0 ]; then
  "$root/scripts/sanitize.sh"
fi
