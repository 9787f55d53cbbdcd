#!/usr/bin/env bash
# Fuzzes one target for a bounded time on seeds taken from the test fixtures and its regression
# inputs (which fuzz-regressions-NAME also replays alone). Findings are kept in
# BUILD/fuzz-findings/.
#
#   run-fuzzer.sh NAME FUZZER SECONDS BUILD
#
# NAME is onnx-model, onnx-text, artifact or tensor-pb; FUZZER the libFuzzer binary of that
# target; BUILD the build folder (its artifacts of the runtime tests seed the artifact target).
set -euo pipefail
name=$1 fuzzer=$2 seconds=$3 build=$4
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
node_tests=/usr/share/libonnx-testdata/data/node

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$work/corpus
mkdir -p "$corpus" "$build/fuzz-findings"

# Copies the files given on stdin into the corpus, each under a name of its own.
seed() {
  local n=0 file
  while IFS= read -r file; do
    cp "$file" "$corpus/seed-$(printf %04d $n)-$(basename "$file")"
    n=$((n + 1))
  done
}

case $name in
onnx-model)
  # The contributed-op models and the small node tests of ONNX (one per op), not the
  # exported language models, whose weights make every execution slow.
  { find "$src/test/onnx/contrib" -name model.onnx
    [ -d "$node_tests" ] && find "$node_tests" -name model.onnx -size -2k | sort | awk 'NR % 4 == 0'
  } | seed
  options=(-max_len=8192) ;;
onnx-text)
  find "$src/test/Import" -name '*.onnxtxt' | seed
  options=(-max_len=8192 "-dict=$here/onnx-text.dict") ;;
artifact)
  find "$build/runtime/test/artifacts" -name '*.ssmx' | seed
  options=(-max_len=32768) ;;
tensor-pb)
  { find "$src/test/onnx/contrib" -name '*.pb' -size -4k
    [ -d "$node_tests" ] && find "$node_tests" -name '*.pb' -size -1k | sort | awk 'NR % 8 == 0'
  } | seed
  options=(-max_len=4096) ;;
*)
  echo "run-fuzzer.sh: unknown target '$name'" >&2
  exit 2 ;;
esac
if [ -z "$(ls -A "$corpus")" ]; then
  echo "run-fuzzer.sh: no seeds for $name" >&2
  exit 1
fi
if [ -d "$here/regressions/$name" ]; then
  find "$here/regressions/$name" -type f -exec cp {} "$corpus/" \;
fi
echo "fuzz-$name: $(ls "$corpus" | wc -l) seed inputs, fuzzing for $seconds s"

status=0
"$fuzzer" "${options[@]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$build/fuzz-findings/$name-" "$corpus" \
  >"$work/log" 2>&1 || status=$?
grep -E '^(INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE))|^stat::(number_of_executed_units|peak_rss)' \
  "$work/log" || true
if [ "$status" -ne 0 ]; then
  tail -n 60 "$work/log"
  echo "fuzz-$name: FAILED (exit $status); the input is in $build/fuzz-findings/" >&2
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
echo "fuzz-$name: no failure in $seconds s, ${runs:-?} executions"
# sanitize.sh prints these lines at its end (ctest shows no output of passing tests).
echo "fuzz-$name: ${runs:-?} executions in $seconds s, corpus $(ls "$corpus" | wc -l) inputs at the end," \
  "no failure" >>"$build/fuzz-summary.txt"
