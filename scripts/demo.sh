#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and runs the compiler on the bundled
# example, which uses every op of the ssm and lm dialects.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSM_BUILD_DIR:-$root/build}

"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"
echo "== ssm-opt --canonicalize docs/examples/every-op.mlir"
"$build/bin/ssm-opt" --canonicalize "$root/docs/examples/every-op.mlir"
