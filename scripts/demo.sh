#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, then
#  1. compiles the bundled demo model (models/demo: a small byte-level Mamba trained for this
#     project, docs/DemoModel.md) and generates text from a prompt, printing its speed;
#  2. compiles the sequence-mixing core of a Mamba-1 layer, runs it on the GPU when there is one
#     and a CUDA toolkit to build for it (else on the CPU) and checks it against NumPy;
#  3. prints an example that uses every op of both dialects through ssm-opt.
# SSM_DEMO_PROMPT and SSM_DEMO_TOKENS change the prompt and the number of new tokens.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SSM_BUILD_DIR:-$root/build}

"$root/scripts/bootstrap.sh"
"$root/scripts/build.sh"

target=cpu
if nvidia-smi -L >/dev/null 2>&1 && [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/ptxas" ]; then
  target=cuda
fi
demo="$build/demo"
mkdir -p "$demo"

echo "== ssm-compile models/demo/model.onnx -o $demo/demo.ssmx"
"$build/bin/ssm-compile" "$root/models/demo/model.onnx" -o "$demo/demo.ssmx"
if [ "$target" = cuda ]; then
  echo "   (whole models do not compile for the GPU yet: the text is generated on the CPU)"
fi
prompt=${SSM_DEMO_PROMPT:-'The "with" statement'}
tokens=${SSM_DEMO_TOKENS:-300}
echo "== ssm-run $demo/demo.ssmx --generate --tokenizer bytes --prompt '$prompt'" \
  "--max-new-tokens $tokens --temperature 0.6 --top-p 0.9 --seed 1"
"$build/bin/ssm-run" "$demo/demo.ssmx" --generate --tokenizer bytes --prompt "$prompt" \
  --max-new-tokens "$tokens" --temperature 0.6 --top-p 0.9 --seed 1

echo "== ssm-compile docs/examples/mamba-mixer.mlir --target=$target -o $demo/mamba-mixer.ssmx"
"$build/bin/ssm-compile" "$root/docs/examples/mamba-mixer.mlir" --target=$target \
  -o "$demo/mamba-mixer.ssmx"
"$build/bin/ssm-run" "$demo/mamba-mixer.ssmx" --describe
echo "== ssm-run on batch 2, length 1024 (random inputs), 10 timed runs"
python3 "$root/scripts/demo_mixer.py" inputs "$demo/io" --batch 2 --length 1024
"$build/bin/ssm-run" "$demo/mamba-mixer.ssmx" --inputs "$demo/io" --outputs "$demo/io" --bench 10
python3 "$root/scripts/demo_mixer.py" check "$demo/io"

echo "== ssm-opt --canonicalize docs/examples/every-op.mlir (every ssm and lm op)"
"$build/bin/ssm-opt" --canonicalize "$root/docs/examples/every-op.mlir"
