#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, shows the compiler on an example that
# uses every op, then compiles a Mamba-1 mixer, runs it (on the GPU when there is one and a CUDA
# toolkit to build for it, else on the CPU) and checks it against NumPy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSM_BUILD_DIR:-$root/build}

"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"

echo "== ssm-opt --canonicalize docs/examples/every-op.mlir (every ssm and lm op)"
"$build/bin/ssm-opt" --canonicalize "$root/docs/examples/every-op.mlir"

target=cpu
if nvidia-smi -L >/dev/null 2>&1 && [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/ptxas" ]; then
  target=cuda
fi
demo="$build/demo"
mkdir -p "$demo"
echo "== ssm-compile docs/examples/mamba-mixer.mlir --target=$target -o $demo/mamba-mixer.ssmx"
"$build/bin/ssm-compile" "$root/docs/examples/mamba-mixer.mlir" --target=$target \
  -o "$demo/mamba-mixer.ssmx"
"$build/bin/ssm-run" "$demo/mamba-mixer.ssmx" --describe
echo "== ssm-run on batch 2, length 1024 (random inputs), 10 timed runs"
python3 "$root/scripts/demo_mixer.py" inputs "$demo/io" --batch 2 --length 1024
"$build/bin/ssm-run" "$demo/mamba-mixer.ssmx" --inputs "$demo/io" --outputs "$demo/io" --bench 10
python3 "$root/scripts/demo_mixer.py" check "$demo/io"
