#!/usr/bin/env bash
# Installs what the build and the tests need and is missing; safe to run again.
# Debian 12: LLVM/MLIR 22, clang's sanitizer runtimes, the build tools, ONNX's protobuf headers
# and node tests from apt; numpy and tokenizers from PyPI.
set -euo pipefail

APT_PACKAGES=(
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  libclang-rt-22-dev  # the sanitizer and libFuzzer runtimes of scripts/sanitize.sh
  cmake ninja-build ccache libgtest-dev
  libonnx-dev libprotobuf-dev libonnx-testdata
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The numerics tests compare against numpy references.
if ! python3 -c "import numpy" 2>/dev/null; then
  echo "bootstrap: installing numpy"
  python3 -m pip install --quiet numpy
fi
# The tokenizer-conformance test compares the runtime's tokenizers with Hugging Face's.
if ! python3 -c "import tokenizers" 2>/dev/null; then
  echo "bootstrap: installing tokenizers"
  python3 -m pip install --quiet tokenizers
fi
echo "bootstrap: all dependencies present"
