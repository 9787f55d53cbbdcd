#!/usr/bin/env python3
"""Generation through `ssm-run --generate` (the runtime's sessions and sampler) on the CPU.

1. The bundled demo model (models/demo): greedy continuations of its reference prompts must be
   token-identical to transformers' `generate` (models/demo/reference.json, written by
   python/ssm_export/demo_model.py where torch runs).
2. A prefill of the prompt and the first K generated tokens must continue with the remaining
   tokens (a prefill of L + K tokens equals a prefill of L followed by K decode steps).
3. Models exported with and without decode-state inputs and outputs (test/models' `-ssm-` and
   `-ssm-state-` fixtures share their weights) must generate the same tokens: the state-io one
   carries conv, SSM and KV states between steps, the other runs the whole sequence each step.
   This covers Mamba-1, Mamba-2 and hybrids with attention (a growing KV cache and mask).
4. Sampling: the same seed gives the same tokens; top-k 1 equals greedy.
5. A model that cannot generate is refused with a message naming what is missing.
Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Fixture pairs (stateless, state-io) exported from the same weights.
PAIRS = ["mamba", "mamba2", "jamba", "nemotron-h", "falcon-h1"]


class Checker:
    def __init__(self, tools: Path, work: Path):
        self.tools = tools
        self.work = work
        self.failures: list[str] = []

    def compile(self, model: Path, name: str) -> Path:
        artifact = self.work / f"{name}.ssmx"
        subprocess.run([str(self.tools / "ssm-compile"), str(model), "-o", str(artifact)],
                       check=True, capture_output=True)
        return artifact

    def generate(self, artifact: Path, prompt: list[int], count: int, *flags: str) -> list[int]:
        result = subprocess.run(
            [str(self.tools / "ssm-run"), str(artifact), "--generate", "--prompt-ids",
             ",".join(map(str, prompt)), "--max-new-tokens", str(count), *flags],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"ssm-run exited {result.returncode}: {result.stderr.strip()}")
        return [int(t) for t in result.stdout.strip().split(",")]

    def expect(self, what: str, got, want) -> None:
        ok = got == want
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            self.failures.append(f"{what}: got {got}, want {want}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tools", type=Path, required=True,
                        help="the directory of ssm-compile and ssm-run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ssm-generation-") as tmp:
        check = Checker(args.tools, Path(tmp))

        demo = check.compile(ROOT / "models/demo/model.onnx", "demo")
        reference = json.loads((ROOT / "models/demo/reference.json").read_text())["greedy"]
        for case in reference:
            prompt = list(case["prompt"].encode("utf-8"))
            want = case["generated_ids"]
            got = check.generate(demo, prompt, len(want))
            check.expect(f"demo: greedy after {case['prompt']!r} equals transformers' generate",
                         got, want)
            for k in (1, 17):
                resumed = check.generate(demo, prompt + want[:k], len(want) - k)
                check.expect(f"demo: prefill of {len(prompt)}+{k} tokens continues the same",
                             resumed, want[k:])

        prompt = list(b"The ")
        sampled = [check.generate(demo, prompt, 32, "--temperature", "1", "--seed", "7")
                   for _ in range(2)]
        check.expect("demo: sampling with one seed twice gives the same tokens", sampled[0],
                     sampled[1])
        check.expect("demo: top-k 1 equals greedy",
                     check.generate(demo, prompt, 32, "--temperature", "1", "--top-k", "1"),
                     check.generate(demo, prompt, 32))

        for family in PAIRS:
            plain = check.compile(ROOT / f"test/models/{family}-ssm-op20/model.onnx", family)
            stateful = check.compile(ROOT / f"test/models/{family}-ssm-state-op20/model.onnx",
                                     f"{family}-state")
            prompt = [5, 17, 3, 42, 8, 1, 29]
            check.expect(f"{family}: decode with carried state equals recomputing the sequence",
                         check.generate(stateful, prompt, 16), check.generate(plain, prompt, 16))

        mixer = check.compile(ROOT / "docs/examples/mamba-mixer.mlir", "mixer")
        refused = subprocess.run([str(args.tools / "ssm-run"), str(mixer), "--generate",
                                  "--prompt-ids", "1,2"], capture_output=True, text=True)
        message = "has no output named 'logits'"
        check.expect("a model without logits is refused by name",
                     (refused.returncode, message in refused.stderr), (1, True))

    for failure in check.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
